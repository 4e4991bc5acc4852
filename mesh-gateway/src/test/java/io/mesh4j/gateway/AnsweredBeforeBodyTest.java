package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.http.HttpServletRequest;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.junit.jupiter.api.Test;

/**
 * A request body asked for after the upstream's final response began (Jetty's client does so when
 * an {@code Expect: 100-continue} is refused: it clears its wait for the {@code 100} before it fails
 * the request) never opens the servlet input, so the container never sends the client a {@code 100
 * Continue} ahead of the refusal. A loop of 600 refused expectations through a real gateway showed
 * the {@code 100} 3 times per transport run before this guard and 0 after; these tests pin the
 * guard itself, deterministically.
 */
class AnsweredBeforeBodyTest {
  private final AtomicInteger opened = new AtomicInteger();
  private final HttpServletRequest req = (HttpServletRequest) Proxy.newProxyInstance(
      getClass().getClassLoader(), new Class<?>[] {HttpServletRequest.class}, (p, m, a) -> {
        if (m.getName().equals("getInputStream")) {
          opened.incrementAndGet();
          throw new AssertionError("the servlet input was opened");
        }
        throw new UnsupportedOperationException(m.getName());
      });

  @Test
  void blockingBodyFailsTheReadWithoutOpeningTheInputOrBlamingTheClient() {
    BlockingContent body = new BlockingContent(req, 5);
    body.upstreamAnswered = true;

    Content.Chunk chunk = body.read();

    assertThat(Content.Chunk.isFailure(chunk)).isTrue();
    assertThat(chunk.getFailure()).isInstanceOf(JettyAttempts.AnsweredBeforeBody.class);
    assertThat(opened).hasValue(0);
    assertThat(body.clientError).isNull(); // not answered as the client's bad body (400)
  }

  @Test
  void asyncBodyAnswersTheDemandWithTheFailureWithoutOpeningTheInput() {
    ServletContentSource body = new ServletContentSource(req, 5, new ArrayByteBufferPool());
    body.upstreamAnswered = true;
    AtomicInteger ready = new AtomicInteger();

    assertThat(body.read()).satisfies(c -> assertThat(Content.Chunk.isFailure(c)).isTrue());
    body.demand(ready::incrementAndGet);
    Content.Chunk chunk = body.read();

    assertThat(ready).hasValue(1);
    assertThat(chunk.getFailure()).isInstanceOf(JettyAttempts.AnsweredBeforeBody.class);
    assertThat(opened).hasValue(0);
    assertThat(body.clientError).isNull();
  }

  @Test
  void anAttemptWhoseResponseHasNotBegunOpensTheInputOnItsFirstDemand() {
    // JettyAttempts.prepare clears the flag for each attempt: a retry after a refusal may send it.
    ServletContentSource body = new ServletContentSource(req, 5, new ArrayByteBufferPool());
    body.upstreamAnswered = false;
    assertThatThrownBy(() -> body.demand(() -> { })).isInstanceOf(AssertionError.class)
        .hasMessageContaining("servlet input was opened");
    assertThat(opened).hasValue(1);
  }
}

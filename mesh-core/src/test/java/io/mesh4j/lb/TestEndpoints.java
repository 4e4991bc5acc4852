package io.mesh4j.lb;

import io.mesh4j.internal.EndpointInternals;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.route.RequestView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** Endpoint lists, weight vectors and pick contexts for picker tests. */
final class TestEndpoints {
  private TestEndpoints() {}

  /** {@code n} endpoints {@code 10.0.0.i:8080} of cluster {@code c}, weight 1. */
  static List<Endpoint> endpoints(int n) {
    List<Endpoint> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(new Endpoint("c", "10.0." + (i / 250) + "." + (i % 250), 8080, 1, null));
    }
    return list;
  }

  /** Endpoints whose configured weights are {@code weights}. */
  static List<Endpoint> endpoints(int[] weights) {
    List<Endpoint> list = endpoints(weights.length);
    for (int i = 0; i < weights.length; i++) EndpointInternals.weight(list.get(i), weights[i]);
    return list;
  }

  static int[] weights(int... weights) {
    return weights;
  }

  static int[] repeat(int n, int weight) {
    int[] w = new int[n];
    Arrays.fill(w, weight);
    return w;
  }

  /** A context with no request that reports {@code tried} as already tried. */
  static PickContext tried(Endpoint... tried) {
    Set<Endpoint> set = new HashSet<>(Arrays.asList(tried));
    return new PickContext() {
      @Override
      public RequestView request() {
        return null;
      }

      @Override
      public boolean alreadyTried(Endpoint endpoint) {
        return set.contains(endpoint);
      }
    };
  }

  /** A context for {@code request} in which {@code tried} tells what was already tried. */
  static PickContext forRequest(RequestView request, Predicate<Endpoint> tried) {
    return new PickContext() {
      @Override
      public RequestView request() {
        return request;
      }

      @Override
      public boolean alreadyTried(Endpoint endpoint) {
        return tried.test(endpoint);
      }
    };
  }

  /** A context for {@code request} with nothing tried. */
  static PickContext forRequest(RequestView request) {
    return () -> request;
  }

  /** A request view with these (lower-case) headers and source address. */
  static RequestView request(Map<String, String> headers, String source) {
    return new RequestView() {
      @Override
      public String method() {
        return "GET";
      }

      @Override
      public String scheme() {
        return "http";
      }

      @Override
      public String authority() {
        return "svc";
      }

      @Override
      public String path() {
        return "/";
      }

      @Override
      public String query() {
        return null;
      }

      @Override
      public String header(String name) {
        return headers.get(name);
      }

      @Override
      public String sourceAddress() {
        return source;
      }
    };
  }

  /** Index of the picked endpoint in {@code endpoints}. */
  static int indexOf(List<Endpoint> endpoints, PickResult result) {
    int i = endpoints.indexOf(result.endpoint());
    if (i < 0) throw new AssertionError("picked an unknown endpoint " + result);
    return i;
  }
}

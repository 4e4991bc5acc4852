package io.mesh4j.route;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A first-match-preserving index over one virtual host's routes, so a table of hundreds of prefix
 * routes is not scanned linearly.
 *
 * <p>Design: a route whose path condition is {@code prefix}, {@code path} or {@code
 * path_separated_prefix} can only match a path that starts with its literal, and a case-sensitive
 * {@code regex} one that starts with the regex's leading plain characters ({@link
 * PathCondition#regexLiteralPrefix}). Those literals go into a character trie (one for
 * case-sensitive conditions, one over folded characters for case-insensitive ones). Every trie
 * node where literals end stores the sorted indices of all routes whose literal ends there or at
 * an ancestor, i.e. every route whose literal is a prefix of that node's string. A lookup walks
 * each trie along the path as far as it goes, takes the list of the deepest such node, and merges
 * it, in route order, with the routes the index cannot filter (no path condition, or a regex
 * without a usable literal prefix). Only those candidates are tested, in order, with the route's
 * full conditions, so the first route that holds wins exactly as in a linear scan. The walk and
 * the merge allocate nothing.
 */
final class PathIndex {
  private static final int[] EMPTY = new int[0];

  private final Node sensitive;
  private final Node insensitive;
  private final int[] unindexed;

  PathIndex(Route[] routes) {
    Builder s = new Builder();
    Builder i = new Builder();
    List<Integer> rest = new ArrayList<>();
    for (int r = 0; r < routes.length; r++) {
      PathCondition p = routes[r].matcher().pathCondition();
      if (p == null || p.indexPrefix == null) {
        rest.add(r);
      } else if (p.caseSensitive) {
        s.add(p.indexPrefix, r);
      } else {
        i.add(Fold.foldAll(p.indexPrefix), r);
      }
    }
    sensitive = s.build();
    insensitive = i.build();
    unindexed = rest.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The first route of {@code routes} (the array the index was built from) that matches. */
  Route select(Route[] routes, RequestView request, String path) {
    int[] a = walk(sensitive, path, false);
    int[] b = walk(insensitive, path, true);
    int[] c = unindexed;
    int ia = 0;
    int ib = 0;
    int ic = 0;
    while (true) {
      int ra = ia < a.length ? a[ia] : Integer.MAX_VALUE;
      int rb = ib < b.length ? b[ib] : Integer.MAX_VALUE;
      int rc = ic < c.length ? c[ic] : Integer.MAX_VALUE;
      int r;
      if (ra < rb && ra < rc) {
        r = ra;
        ia++;
      } else if (rb < rc) {
        r = rb;
        ib++;
      } else if (rc != Integer.MAX_VALUE) {
        r = rc;
        ic++;
      } else {
        return null;
      }
      Route route = routes[r];
      if (route.matcher().matches(request, path)) return route;
    }
  }

  private static int[] walk(Node root, String path, boolean fold) {
    if (root == null) return EMPTY;
    Node node = root;
    int[] best = root.candidates == null ? EMPTY : root.candidates;
    for (int i = 0, n = path.length(); i < n; i++) {
      char c = path.charAt(i);
      node = node.child(fold ? Fold.fold(c) : c);
      if (node == null) break;
      if (node.candidates != null) best = node.candidates;
    }
    return best;
  }

  /** A trie node; immutable once built. */
  private static final class Node {
    char[] keys = new char[0];
    Node[] children = new Node[0];
    /** Sorted indices of routes whose literal is a prefix of this node; null if none ends here. */
    int[] candidates;
    List<Integer> own;

    Node child(char c) {
      char[] k = keys;
      if (k.length <= 8) {
        for (int i = 0; i < k.length; i++) {
          if (k[i] == c) return children[i];
        }
        return null;
      }
      int i = Arrays.binarySearch(k, c);
      return i >= 0 ? children[i] : null;
    }

    Node childOrCreate(char c) {
      int i = Arrays.binarySearch(keys, c);
      if (i >= 0) return children[i];
      int at = -i - 1;
      char[] k = new char[keys.length + 1];
      Node[] ch = new Node[children.length + 1];
      System.arraycopy(keys, 0, k, 0, at);
      System.arraycopy(children, 0, ch, 0, at);
      k[at] = c;
      ch[at] = new Node();
      System.arraycopy(keys, at, k, at + 1, keys.length - at);
      System.arraycopy(children, at, ch, at + 1, children.length - at);
      keys = k;
      children = ch;
      return ch[at];
    }
  }

  private static final class Builder {
    private Node root;

    void add(String literal, int route) {
      if (root == null) root = new Node();
      Node node = root;
      for (int i = 0; i < literal.length(); i++) node = node.childOrCreate(literal.charAt(i));
      if (node.own == null) node.own = new ArrayList<>();
      node.own.add(route);
    }

    Node build() {
      if (root == null) return null;
      // Iterative depth-first pass (literals may be long): hand each node the candidates of its
      // nearest ancestor where literals end.
      java.util.ArrayDeque<Node> nodes = new java.util.ArrayDeque<>();
      java.util.ArrayDeque<int[]> inherited = new java.util.ArrayDeque<>();
      nodes.push(root);
      inherited.push(EMPTY);
      while (!nodes.isEmpty()) {
        Node node = nodes.pop();
        int[] mine = inherited.pop();
        if (node.own != null) {
          int[] own = node.own.stream().mapToInt(Integer::intValue).toArray();
          int[] merged = Arrays.copyOf(mine, mine.length + own.length);
          System.arraycopy(own, 0, merged, mine.length, own.length);
          Arrays.sort(merged);
          node.candidates = merged;
          node.own = null;
          mine = merged;
        }
        for (Node child : node.children) {
          nodes.push(child);
          inherited.push(mine);
        }
      }
      return root;
    }
  }
}

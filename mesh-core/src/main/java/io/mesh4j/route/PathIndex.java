package io.mesh4j.route;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
 * full conditions, so the first route that holds wins exactly as in a linear scan. The trie is
 * path-compressed (an edge carries every char of a branch-free run), so {@code /api/svc} shared by
 * a hundred routes costs one region comparison. The walk and the merge allocate nothing.
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

  /** The candidates of the deepest node whose whole string prefixes {@code path}. */
  private static int[] walk(Node root, String path, boolean fold) {
    if (root == null) return EMPTY;
    Node node = root;
    int[] best = root.candidates == null ? EMPTY : root.candidates;
    int i = 0;
    int n = path.length();
    while (i < n) {
      char c = fold ? Fold.fold(path.charAt(i)) : path.charAt(i);
      int k = node.indexOf(c);
      if (k < 0) break;
      String label = node.labels[k];
      int len = label.length();
      if (len > 1) {
        if (n - i < len) break;
        boolean same = fold
            ? foldedRegionEquals(path, i + 1, label, len)
            : path.regionMatches(i + 1, label, 1, len - 1);
        if (!same) break;
      }
      node = node.children[k];
      i += len;
      if (node.candidates != null) best = node.candidates;
    }
    return best;
  }

  /** Whether the folded chars of {@code path} from {@code from} equal {@code label[1, len)}. */
  private static boolean foldedRegionEquals(String path, int from, String label, int len) {
    for (int j = 1; j < len; j++) {
      if (Fold.fold(path.charAt(from + j - 1)) != label.charAt(j)) return false;
    }
    return true;
  }

  /**
   * A node of the path-compressed trie; immutable once built. Each edge carries a label (one or
   * more chars, folded in the case-insensitive trie); chains without branches or candidates are
   * merged into one edge, so a long shared prefix costs one region comparison.
   */
  private static final class Node {
    char[] keys;
    String[] labels;
    Node[] children;
    /** Sorted indices of routes whose literal is a prefix of this node; null if none ends here. */
    int[] candidates;

    int indexOf(char c) {
      char[] k = keys;
      if (k.length <= 8) {
        for (int i = 0; i < k.length; i++) {
          if (k[i] == c) return i;
        }
        return -1;
      }
      int i = Arrays.binarySearch(k, c);
      return i >= 0 ? i : -1;
    }
  }

  /** A one-char-per-node trie used while building. */
  private static final class BuildNode {
    final TreeMap<Character, BuildNode> children = new TreeMap<>();
    List<Integer> own;
    int[] candidates;
  }

  private static final class Builder {
    private BuildNode root;

    void add(String literal, int route) {
      if (root == null) root = new BuildNode();
      BuildNode node = root;
      for (int i = 0; i < literal.length(); i++) {
        node = node.children.computeIfAbsent(literal.charAt(i), k -> new BuildNode());
      }
      if (node.own == null) node.own = new ArrayList<>();
      node.own.add(route);
    }

    Node build() {
      if (root == null) return null;
      assignCandidates();
      return compress();
    }

    /**
     * Hands each node where literals end the sorted candidates of itself and its ancestors.
     * Iterative: literals may be long.
     */
    private void assignCandidates() {
      ArrayDeque<BuildNode> nodes = new ArrayDeque<>();
      ArrayDeque<int[]> inherited = new ArrayDeque<>();
      nodes.push(root);
      inherited.push(EMPTY);
      while (!nodes.isEmpty()) {
        BuildNode node = nodes.pop();
        int[] mine = inherited.pop();
        if (node.own != null) {
          int[] own = node.own.stream().mapToInt(Integer::intValue).toArray();
          int[] merged = Arrays.copyOf(mine, mine.length + own.length);
          System.arraycopy(own, 0, merged, mine.length, own.length);
          Arrays.sort(merged);
          node.candidates = merged;
          mine = merged;
        }
        for (BuildNode child : node.children.values()) {
          nodes.push(child);
          inherited.push(mine);
        }
      }
    }

    /** Builds the path-compressed trie, iteratively. */
    private Node compress() {
      ArrayDeque<BuildNode> from = new ArrayDeque<>();
      ArrayDeque<Node> to = new ArrayDeque<>();
      Node top = new Node();
      from.push(root);
      to.push(top);
      while (!from.isEmpty()) {
        BuildNode b = from.pop();
        Node n = to.pop();
        n.candidates = b.candidates;
        int size = b.children.size();
        n.keys = new char[size];
        n.labels = new String[size];
        n.children = new Node[size];
        int i = 0;
        for (Map.Entry<Character, BuildNode> e : b.children.entrySet()) {
          StringBuilder label = new StringBuilder().append(e.getKey().charValue());
          BuildNode target = e.getValue();
          while (target.candidates == null && target.children.size() == 1) {
            Map.Entry<Character, BuildNode> only = target.children.firstEntry();
            label.append(only.getKey().charValue());
            target = only.getValue();
          }
          Node child = new Node();
          n.keys[i] = e.getKey();
          n.labels[i] = label.toString();
          n.children[i] = child;
          i++;
          from.push(target);
          to.push(child);
        }
      }
      return top;
    }
  }
}

//! The comparison graph and its strongly connected components.
//!
//! The directed win graph has an edge `a → b` when `a` beat `b` at least once; a tie counts half a
//! win for both, so it gives both directions. The Bradley–Terry MLE exists and is unique exactly when
//! this graph is strongly connected (Ford 1957): otherwise some group of models never lost to the
//! rest (or never beat it) and the likelihood keeps growing as their gap goes to infinity.

use super::pairs::PairTally;

/// The strongly connected components of a comparison graph.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Components {
    /// Component of each model: an index into `members`.
    pub of: Vec<usize>,
    /// Each component's models, ascending; components ordered largest first, then by their smallest
    /// model. The first is the *main* component, the one that gets ratings.
    pub members: Vec<Vec<usize>>,
}

impl Components {
    /// Whether the whole graph is one component.
    pub fn is_strongly_connected(&self) -> bool {
        self.members.len() <= 1
    }
}

/// Adjacency lists of the directed win graph over `n` models.
fn win_graph(n: usize, pairs: &[PairTally]) -> Vec<Vec<usize>> {
    let mut adj = vec![Vec::new(); n];
    for p in pairs {
        if p.wins_a > 0 || p.ties > 0 {
            adj[p.a].push(p.b);
        }
        if p.wins_b > 0 || p.ties > 0 {
            adj[p.b].push(p.a);
        }
    }
    adj
}

/// Tarjan's algorithm, iterative (no recursion depth to exhaust on large boards).
pub fn strongly_connected(n: usize, pairs: &[PairTally]) -> Components {
    const UNSEEN: usize = usize::MAX;
    let adj = win_graph(n, pairs);
    let (mut index, mut low, mut on_stack) = (vec![UNSEEN; n], vec![0usize; n], vec![false; n]);
    let (mut stack, mut calls, mut next) = (Vec::new(), Vec::<(usize, usize)>::new(), 0usize);
    let mut members: Vec<Vec<usize>> = Vec::new();
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        calls.push((root, 0));
        while let Some(&(v, pos)) = calls.last() {
            if let Some(&w) = adj[v].get(pos) {
                if let Some(top) = calls.last_mut() {
                    top.1 += 1;
                }
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(u, _)) = calls.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                members.push(component);
            }
        }
    }
    members.sort_by(|x, y| y.len().cmp(&x.len()).then(x[0].cmp(&y[0])));
    let mut of = vec![0; n];
    for (c, m) in members.iter().enumerate() {
        for &i in m {
            of[i] = c;
        }
    }
    Components { of, members }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: usize, b: usize, wins_a: u64, wins_b: u64, ties: u64) -> PairTally {
        PairTally { a, b, wins_a, wins_b, ties }
    }

    #[test]
    fn a_cycle_is_one_component() {
        let c = strongly_connected(3, &[pair(0, 1, 1, 0, 0), pair(1, 2, 1, 0, 0), pair(0, 2, 0, 1, 0)]);
        assert!(c.is_strongly_connected());
        assert_eq!(c.members, [vec![0, 1, 2]]);
    }

    #[test]
    fn an_unbeaten_model_and_a_separate_island_split_off() {
        // 0 beats 1 and 2 and never loses; 1 and 2 beat each other; 3 and 4 only tie each other.
        let c = strongly_connected(
            5,
            &[pair(0, 1, 3, 0, 0), pair(0, 2, 1, 0, 0), pair(1, 2, 2, 1, 0), pair(3, 4, 0, 0, 2)],
        );
        assert_eq!(c.members, [vec![1, 2], vec![3, 4], vec![0]]);
        assert_eq!(c.of, [2, 0, 0, 1, 1]);
        assert!(!c.is_strongly_connected());
    }

    #[test]
    fn ties_connect_both_ways() {
        assert!(strongly_connected(2, &[pair(0, 1, 0, 0, 1)]).is_strongly_connected());
        assert!(!strongly_connected(2, &[pair(0, 1, 5, 0, 0)]).is_strongly_connected());
    }

    #[test]
    fn a_long_chain_does_not_recurse() {
        let n = 100_000;
        let pairs: Vec<_> = (0..n - 1).map(|i| pair(i, i + 1, 1, 1, 0)).collect();
        assert!(strongly_connected(n, &pairs).is_strongly_connected());
    }
}

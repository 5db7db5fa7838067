//! Identity linking: a union-find over identifier strings. Each connected group of identifiers
//! (a roster row's, an account seen with its object id) is one person.

use std::collections::HashMap;

/// Union-find over identifier strings.
#[derive(Default)]
pub(super) struct Groups {
    pub(super) index: HashMap<String, usize>,
    pub(super) parent: Vec<usize>,
}

impl Groups {
    pub(super) fn id(&mut self, s: &str) -> usize {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.parent.len();
        self.parent.push(i);
        self.index.insert(s.to_string(), i);
        i
    }
    pub(super) fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }
    pub(super) fn union(&mut self, a: &str, b: &str) {
        let (a, b) = (self.id(a), self.id(b));
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[rb.max(ra)] = rb.min(ra);
        }
    }
}

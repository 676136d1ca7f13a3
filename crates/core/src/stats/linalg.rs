//! The little dense linear algebra the fits need: a square matrix and its Cholesky factorisation.
//!
//! Boards have hundreds of models, not thousands, so a plain row-major matrix and a textbook
//! Cholesky (contiguous dot products, fixed summation order, hence bit-for-bit deterministic) are
//! all that is needed; a general linear-algebra crate would add more than it saves.

/// A matrix that should be symmetric positive definite is not (the comparison graph is not connected,
/// or the numbers degenerated).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinalgError {
    /// Cholesky met a non-positive pivot.
    #[error("matrix is not positive definite (pivot {pivot} is {value})")]
    NotPositiveDefinite {
        /// Row of the failing pivot.
        pivot: usize,
        /// Its value.
        value: f64,
    },
}

/// Smallest pivot accepted, relative to its diagonal entry: below this the matrix is singular up to
/// rounding (condition numbers of real boards are around 1e6).
const RELATIVE_PIVOT: f64 = 1e-13;

/// A dense square matrix, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    n: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// The `n × n` zero matrix.
    pub fn zeros(n: usize) -> Self {
        Self { n, data: vec![0.0; n * n] }
    }

    /// Its order.
    pub fn order(&self) -> usize {
        self.n
    }

    /// Entry `(i, j)`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.n + j]
    }

    /// Adds `v` to entry `(i, j)`.
    pub fn add(&mut self, i: usize, j: usize, v: f64) {
        self.data[i * self.n + j] += v;
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.n..(i + 1) * self.n]
    }

    /// Adds `w · (e_i − e_j)(e_i − e_j)ᵀ`: one pair's contribution to a Laplacian-shaped matrix.
    pub fn add_pair(&mut self, i: usize, j: usize, w: f64) {
        self.add(i, i, w);
        self.add(j, j, w);
        self.add(i, j, -w);
        self.add(j, i, -w);
    }

    /// Adds `c` to every entry (the rank-one `c · 11ᵀ`).
    pub fn add_constant(&mut self, c: f64) {
        self.data.iter_mut().for_each(|x| *x += c);
    }

    /// The product `self · other`.
    pub fn mul(&self, other: &Matrix) -> Matrix {
        let n = self.n;
        let mut out = Matrix::zeros(n);
        for i in 0..n {
            let row = &mut out.data[i * n..(i + 1) * n];
            for k in 0..n {
                let a = self.data[i * n + k];
                if a != 0.0 {
                    for (o, b) in row.iter_mut().zip(other.row(k)) {
                        *o += a * b;
                    }
                }
            }
        }
        out
    }
}

/// Dot product with four running sums (so the compiler can use SIMD lanes), combined in a fixed
/// order: the same bits on every run.
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    let (xs, ys) = (x[..n].chunks_exact(4), y[..n].chunks_exact(4));
    let (xr, yr) = (xs.remainder(), ys.remainder());
    let mut acc = [0.0f64; 4];
    for (a, b) in xs.zip(ys) {
        for k in 0..4 {
            acc[k] += a[k] * b[k];
        }
    }
    let tail: f64 = xr.iter().zip(yr).map(|(a, b)| a * b).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// The Cholesky factor `L` (lower triangular, `A = L Lᵀ`) of a symmetric positive definite matrix.
#[derive(Debug, Clone)]
pub struct Cholesky {
    l: Matrix,
}

impl Cholesky {
    /// Factorises `a` (only its lower triangle is read).
    pub fn new(a: &Matrix) -> Result<Self, LinalgError> {
        Self::in_place(a.clone())
    }

    /// Factorises `a`, reusing its storage for the factor (no second n² allocation).
    pub fn in_place(mut a: Matrix) -> Result<Self, LinalgError> {
        let n = a.n;
        for j in 0..n {
            let (done, rest) = a.data.split_at_mut(j * n);
            let row_j = &mut rest[..n];
            for k in 0..j {
                let row_k = &done[k * n..k * n + k];
                row_j[k] = (row_j[k] - dot(&row_j[..k], row_k)) / done[k * n + k];
            }
            let diagonal = row_j[j];
            let d = diagonal - dot(&row_j[..j], &row_j[..j]);
            // A pivot lost in rounding noise (relative to its diagonal entry) means singular.
            if d.is_nan() || d <= diagonal.abs() * RELATIVE_PIVOT {
                return Err(LinalgError::NotPositiveDefinite { pivot: j, value: d });
            }
            row_j[j] = d.sqrt();
            row_j[j + 1..].iter_mut().for_each(|x| *x = 0.0);
        }
        Ok(Self { l: a })
    }

    /// Solves `A x = b` in place.
    pub fn solve(&self, b: &mut [f64]) {
        let n = self.l.n;
        for i in 0..n {
            let row = self.l.row(i);
            b[i] = (b[i] - dot(&row[..i], &b[..i])) / row[i];
        }
        for i in (0..n).rev() {
            let s: f64 = b[i + 1..].iter().enumerate().map(|(k, x)| self.l.get(i + 1 + k, i) * x).sum();
            b[i] = (b[i] - s) / self.l.get(i, i);
        }
    }

    /// `A⁻¹`.
    pub fn inverse(&self) -> Matrix {
        let n = self.l.n;
        let mut inv = Matrix::zeros(n);
        let mut col = vec![0.0; n];
        for j in 0..n {
            col.iter_mut().enumerate().for_each(|(i, x)| *x = if i == j { 1.0 } else { 0.0 });
            self.solve(&mut col);
            for (i, &x) in col.iter().enumerate() {
                inv.data[i * n + j] = x;
            }
        }
        inv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_small_system() {
        let mut a = Matrix::zeros(3);
        for (i, row) in [[4.0, 2.0, 0.6], [2.0, 5.0, 1.0], [0.6, 1.0, 3.0]].iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                a.add(i, j, v);
            }
        }
        let c = Cholesky::new(&a).unwrap();
        let mut x = [1.0, 2.0, 3.0];
        c.solve(&mut x);
        for i in 0..3 {
            let ax: f64 = (0..3).map(|j| a.get(i, j) * x[j]).sum();
            assert!((ax - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        let id = a.mul(&c.inverse());
        for i in 0..3 {
            for j in 0..3 {
                assert!((id.get(i, j) - f64::from(u8::from(i == j))).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn a_laplacian_alone_is_singular_and_the_constant_fixes_it() {
        let mut a = Matrix::zeros(3);
        a.add_pair(0, 1, 2.0);
        a.add_pair(1, 2, 1.0);
        assert!(matches!(Cholesky::new(&a), Err(LinalgError::NotPositiveDefinite { .. })));
        a.add_constant(1.0);
        assert!(Cholesky::new(&a).is_ok());
    }
}

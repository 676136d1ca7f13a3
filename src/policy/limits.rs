//! The sandbox limits for rule scripts, in one place.
//!
//! A rule is untrusted code: a pack may come from anyone. Every limit below is enforced by rhai
//! itself; a script that reaches one is stopped with an error naming the rule, and the other rules
//! still run. Limits count operations, not seconds, so a verdict never depends on machine speed.

/// Most rhai operations one rule evaluation may perform. The shipped rules need well under a million
/// on a year-long arena ledger; twenty million is a few seconds of runaway work at most.
pub const MAX_OPERATIONS: u64 = 20_000_000;
/// Most nested function calls (stops unbounded recursion long before the native stack is at risk).
pub const MAX_CALL_LEVELS: usize = 32;
/// Deepest expression nesting at global level (parse time).
pub const MAX_EXPR_DEPTH: usize = 64;
/// Deepest expression nesting inside functions (parse time).
pub const MAX_FUNCTION_EXPR_DEPTH: usize = 32;
/// Longest string a script may build, in bytes.
pub const MAX_STRING_SIZE: usize = 1 << 20;
/// Most elements in one array (facts arrays included: the largest, `edges()`, has one entry per
/// compared pair, about 31,000 for 250 models). rhai re-checks an array's size as it grows, so
/// building an array costs time quadratic in its length: this limit, not the operation count, is what
/// bounds the wall time of a script that only pushes (about five seconds at the limit).
pub const MAX_ARRAY_SIZE: usize = 100_000;
/// Most entries in one object map. rhai checks it when a map is copied or returned, not on every insert.
pub const MAX_MAP_SIZE: usize = 100_000;
/// Most variables alive at once.
pub const MAX_VARIABLES: usize = 1_000;
/// Most functions one script may define.
pub const MAX_FUNCTIONS: usize = 256;
/// Most findings one rule may report (more means the rule is broken, not the board).
pub const MAX_FINDINGS: usize = 100_000;

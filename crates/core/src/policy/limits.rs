//! The sandbox limits for rule scripts, in one place.
//!
//! A rule is untrusted code: a pack may come from anyone. Every limit below is enforced by rhai
//! itself; a script that reaches one is stopped with an error naming the rule, and the other rules
//! still run. Limits count operations and sizes, not seconds, so a verdict on any script that stays
//! within them never depends on machine speed. One backstop is in seconds, [`MAX_SCRIPT_SECONDS`]:
//! rhai re-measures a whole array or map after every change to it, so a single operation on a large
//! value costs time proportional to its size, and the operation count alone does not bound wall time.

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
/// building an array costs time quadratic in its length (about a minute for 80,000 short strings), and
/// every later change to a large array costs time linear in it: [`MAX_SCRIPT_SECONDS`] bounds both.
pub const MAX_ARRAY_SIZE: usize = 100_000;
/// Most entries in one object map. rhai checks it when a map is copied or returned, not on every insert.
pub const MAX_MAP_SIZE: usize = 100_000;
/// Most variables alive at once.
pub const MAX_VARIABLES: usize = 1_000;
/// Most functions one script may define.
pub const MAX_FUNCTIONS: usize = 256;
/// Most findings one rule may report (more means the rule is broken, not the board).
pub const MAX_FINDINGS: usize = 100_000;
/// Most seconds of script execution per call into a rule (`evaluate`, `params_spec`), not counting
/// time inside the native statistics functions (`ratings()`, `best_of_n()`, ...). A backstop for
/// scripts that keep changing a large array or map (see [`MAX_ARRAY_SIZE`]): the shipped rules need
/// well under a tenth of a second of script time on a year-long arena ledger.
pub const MAX_SCRIPT_SECONDS: u64 = 4;
/// The clock is read once every this many operations (reading it costs about as much as one).
pub const CLOCK_EVERY_OPERATIONS: u64 = 256;

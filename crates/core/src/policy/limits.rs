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
/// Most operations `params_spec()` may perform: it declares a map of parameter types when a pack is
/// loaded, with no clock to stop it.
pub const MAX_SPEC_OPERATIONS: u64 = 100_000;
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
/// The clock is read, and the pack's operation budget updated, once every this many operations.
pub const CLOCK_EVERY_OPERATIONS: u64 = 256;

/// Operations charged per value a facts-API function builds for a script (a map entry, an array
/// element): building one costs about as much as a few script operations, so `loop { facts.models() }`
/// spends the operation budget as fast as the work it causes. Memoised results are charged again for
/// every copy handed out.
pub const RESULT_VALUE_OPS: u64 = 4;
/// Operations charged for each distinct statistics computation (a rating fit, the components of a
/// model set, best-of-N for a window), on top of the values it builds. Results are memoised per pack
/// evaluation, so only distinct arguments cost this.
pub const NATIVE_COMPUTATION_OPS: u64 = 100_000;
/// Most distinct statistics computations in one pack evaluation (across its rules): `ratings_before`
/// with a thousand different seqs is a thousand fits.
pub const MAX_NATIVE_COMPUTATIONS: usize = 1_024;
/// Most bytes of findings one call into a rule may build (subject, message and evidence, plus
/// [`FINDING_OVERHEAD_BYTES`] each), counted as they are built, not when they are returned.
pub const MAX_FINDING_BYTES: usize = 64 << 20;
/// Bytes charged per finding beyond its strings and evidence.
pub const FINDING_OVERHEAD_BYTES: usize = 64;

/// Most operations (with charges) all the rules of one pack may spend together: a pack of 256 rules
/// cannot multiply the per-rule budget by 256. Ten rules' worth; the shipped pack needs a few million.
pub const MAX_PACK_OPERATIONS: u64 = 10 * MAX_OPERATIONS;
/// Most seconds one pack evaluation may run, native statistics time included (needs a meter's
/// clock). The shipped pack evaluates a year-long arena ledger in about a second.
pub const MAX_PACK_SECONDS: u64 = 20;
/// Most bytes a pack's evaluation may hold beyond what the process held when it started (needs a
/// meter that counts allocations; the `fairboard` binary installs a counting allocator). Checked
/// before every operation, so the allocator's own failure is never reached: findings, closures,
/// curried function pointers and every other value count.
pub const MAX_SANDBOX_BYTES: usize = 256 << 20;

/// Stack size of the threads that run rules. rhai recurses natively through nested values
/// (comparing, printing, measuring and dropping `[[[…]]]`) and calls; the default 2 MiB of a worker
/// thread overflowed at a nesting depth of about 3,000. Reserved, not committed: a thread touches
/// only what it uses.
pub const RULE_STACK_BYTES: usize = 64 << 20;
/// Most stack one call into a rule may use, measured before every operation from the frame that
/// called the script; the rest of [`RULE_STACK_BYTES`] is headroom for recursion between two
/// operations (measuring and dropping a deeply nested value).
pub const MAX_STACK_BYTES: usize = 32 << 20;

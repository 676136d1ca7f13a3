//! Loading a policy pack: YAML, schema, scripts, parameters, with located errors.
//!
//! A pack is checked completely before any rule runs: YAML syntax, `schemas/policy-pack.json`, unique
//! rule ids, script paths (relative to the pack, inside it), script syntax, each script's interface
//! (`fn evaluate(facts, params)`, optional `fn params_spec()`), and every parameter's name and type.
//! Errors give the file, line, column and the JSON pointer into the pack.

use std::collections::BTreeSet;
use std::path::{Component, Path};
use std::sync::LazyLock;

use rhai::{AST, Dynamic, Engine, Map, Scope};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::finding::Severity;
use super::host;
use super::source::ScriptSource;
use crate::ledger::schema::{self, SchemaError, Violation};

pub use crate::primitives::yaml::{Location, Locator, locate};

/// A pack that cannot be used (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// The pack or a script could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// YAML syntax error, or a structure that is not JSON-compatible.
    #[error("{at}: invalid YAML: {message}")]
    Yaml {
        /// Where.
        at: Location,
        /// The parser's message.
        message: String,
    },
    /// The pack breaks `schemas/policy-pack.json`, or another structural rule.
    #[error("{at}: {message}")]
    Invalid {
        /// Where.
        at: Location,
        /// What was expected.
        message: String,
    },
    /// A rule's script does not compile.
    #[error("{script}:{line}:{column}: rule `{rule}`: script error: {message}")]
    Script {
        /// The rule id.
        rule: String,
        /// Script file (or the pack file for inline scripts).
        script: String,
        /// Line in the script.
        line: usize,
        /// Column in the script.
        column: usize,
        /// The compiler's message.
        message: String,
    },
    /// The embedded schema is broken (a bug).
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

/// One rule, loaded and compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable id.
    pub id: String,
    /// Severity of its findings.
    pub severity: Severity,
    /// Parameters as given in the pack (a JSON object).
    pub params: Value,
    /// Why the rule exists, with its source.
    pub rationale: String,
    /// What to do instead, when the rule fires (shown by plans and refused appends).
    pub remedy: Option<String>,
    /// Whether it runs.
    pub enabled: bool,
    /// Where the script came from (file path, or `PACK#/rules/N/script`).
    pub source: String,
    /// The compiled script.
    pub ast: AST,
}

/// A loaded, fully checked policy pack.
#[derive(Debug, Clone)]
pub struct PolicyPack {
    /// Pack name.
    pub name: String,
    /// Pack version.
    pub version: String,
    /// `sha256:` + hex of the pack file's bytes (what `policy_adopted` records).
    pub digest: String,
    /// Where the pack came from, as given (a file path, or the name of an embedded pack).
    pub source: String,
    /// Rules in pack order.
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPack {
    name: String,
    version: String,
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
struct RawRule {
    id: String,
    uses: Option<String>,
    script: Option<String>,
    severity: Severity,
    #[serde(default)]
    params: Option<Value>,
    rationale: String,
    remedy: Option<String>,
    enabled: Option<bool>,
}

static PACK_SCHEMA: LazyLock<Result<jsonschema::Validator, SchemaError>> =
    LazyLock::new(|| schema::compile("policy-pack.json", include_str!("../../../../schemas/policy-pack.json")));

pub use crate::primitives::limits::{MAX_PACK_BYTES, MAX_YAML_BYTES};

/// Parses YAML text into JSON strictly ([`crate::primitives::yaml::to_json`]).
pub fn yaml_to_json(file: &str, text: &str) -> Result<Value, PackError> {
    crate::primitives::yaml::to_json(file, text).map_err(|e| PackError::Yaml { at: e.at, message: e.message })
}

/// Loads and checks a pack from its bytes; `name` names it in errors and reports, `scripts` resolves
/// its `uses:` paths.
pub fn load_text(name: &str, bytes: &[u8], scripts: &dyn ScriptSource) -> Result<PolicyPack, PackError> {
    let file = name.to_owned();
    let digest = format!("sha256:{}", crate::primitives::crypto::hex(&Sha256::digest(bytes)));
    let text = std::str::from_utf8(bytes).map_err(|e| PackError::Yaml {
        at: Location {
            file: file.clone(),
            line: crate::ledger::input::line_of(bytes, e.valid_up_to()) as usize,
            column: 0,
            pointer: String::new(),
        },
        message: "not valid UTF-8".into(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value = yaml_to_json(&file, text)?;
    let locator = Locator::new(text);
    let invalid = |pointer: &str, message: String| {
        let (line, column) = locator.locate(pointer);
        PackError::Invalid { at: Location { file: file.clone(), line, column, pointer: pointer.to_owned() }, message }
    };
    let validator = PACK_SCHEMA.as_ref().map_err(Clone::clone)?;
    if let Err(Violation { pointer, message }) = schema::first_violation(validator, &value) {
        return Err(invalid(&pointer, message));
    }
    let raw: RawPack = serde_json::from_value(value).map_err(|e| invalid("", e.to_string()))?;
    let engine = host::engine();
    // `params_spec()` declares a map of parameter types: a small operation budget, one engine for all
    // rules.
    let mut spec_engine = host::engine();
    spec_engine.set_max_operations(super::limits::MAX_SPEC_OPERATIONS);
    let mut seen = BTreeSet::new();
    let mut rules = Vec::with_capacity(raw.rules.len());
    for (i, r) in raw.rules.into_iter().enumerate() {
        if !seen.insert(r.id.clone()) {
            return Err(invalid(&format!("/rules/{i}/id"), format!("duplicate rule id `{}`", r.id)));
        }
        let (source, script) = match (&r.uses, r.script) {
            (Some(uses), _) => {
                let rel = Path::new(uses);
                if rel.is_absolute() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
                    return Err(invalid(
                        &format!("/rules/{i}/uses"),
                        format!("`{uses}`: expected a path relative to the pack, without `..` or `.` segments"),
                    ));
                }
                let source = scripts.name(uses);
                let script = scripts
                    .read(uses)
                    .map_err(|e| invalid(&format!("/rules/{i}/uses"), format!("cannot read script `{source}`: {e}")))?;
                (source, script)
            }
            (None, Some(script)) => (format!("{file}#/rules/{i}/script"), script),
            (None, None) => return Err(invalid(&format!("/rules/{i}"), "expected `uses` or `script`".into())),
        };
        let ast = engine.compile(&script).map_err(|e| PackError::Script {
            rule: r.id.clone(),
            script: source.clone(),
            line: e.1.line().unwrap_or(0),
            column: e.1.position().unwrap_or(0),
            message: e.0.to_string(),
        })?;
        let params = r.params.unwrap_or_else(|| Value::Object(Default::default()));
        check_interface(&engine, &ast, &r.id, &source).map_err(|m| invalid(&format!("/rules/{i}"), m))?;
        check_params(&spec_engine, &ast, &params).map_err(|(name, m)| {
            let pointer = match name {
                Some(n) => format!("/rules/{i}/params/{}", n.replace('~', "~0").replace('/', "~1")),
                None => format!("/rules/{i}/params"),
            };
            invalid(&pointer, format!("rule `{}`: {m}", r.id))
        })?;
        rules.push(Rule {
            id: r.id,
            severity: r.severity,
            params,
            rationale: r.rationale,
            remedy: r.remedy,
            enabled: r.enabled.unwrap_or(true),
            source,
            ast,
        });
    }
    Ok(PolicyPack { name: raw.name, version: raw.version, digest, source: file, rules })
}

fn check_interface(_engine: &Engine, ast: &AST, rule: &str, source: &str) -> Result<(), String> {
    if !ast.iter_functions().any(|f| f.name == "evaluate" && f.params.len() == 2) {
        return Err(format!("rule `{rule}`: script `{source}` must define `fn evaluate(facts, params)`"));
    }
    if ast.iter_functions().any(|f| f.name == "params_spec" && !f.params.is_empty()) {
        return Err(format!("rule `{rule}`: `fn params_spec()` takes no parameters"));
    }
    Ok(())
}

/// The parameter types a script declares with `fn params_spec()`: a map of name to one of
/// `integer`, `number`, `boolean`, `string`, `array`, `map`. Without it, the rule takes no parameters.
fn params_spec(spec_engine: &Engine, ast: &AST) -> Result<Map, String> {
    if !ast.iter_functions().any(|f| f.name == "params_spec") {
        return Ok(Map::new());
    }
    // Run on a rule thread (a known stack), as a fresh call with only the per-call limits.
    super::eval::on_rule_thread(|| {
        super::host::within(None, || {
            let options = rhai::CallFnOptions::new().eval_ast(false);
            spec_engine.call_fn_with_options::<Map>(options, &mut Scope::new(), ast, "params_spec", ()).map_err(|e| {
                format!("params_spec() must return a map of parameter name to type name: {}", host::describe_error(&e))
            })
        })
    })
}

/// Checks the pack's params against the script's spec. Errors carry the offending parameter's name.
fn check_params(spec_engine: &Engine, ast: &AST, params: &Value) -> Result<(), (Option<String>, String)> {
    let spec = params_spec(spec_engine, ast).map_err(|m| (None, m))?;
    let given = params.as_object().cloned().unwrap_or_default();
    for (name, value) in &given {
        let Some(kind) = spec.get(name.as_str()) else {
            let known: Vec<&str> = spec.keys().map(|k| k.as_str()).collect();
            return Err((
                Some(name.clone()),
                format!(
                    "unknown parameter `{name}`; the script declares: {}",
                    if known.is_empty() { "none".into() } else { known.join(", ") }
                ),
            ));
        };
        let kind = kind.clone().into_string().unwrap_or_default();
        let ok = match kind.as_str() {
            "integer" => value.as_i64().is_some() || value.as_u64().is_some(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "map" => value.is_object(),
            other => return Err((Some(name.clone()), format!("params_spec() declares unknown type `{other}`"))),
        };
        if !ok {
            return Err((Some(name.clone()), format!("parameter `{name}` must be of type {kind}, found {value}")));
        }
    }
    for name in spec.keys() {
        if !given.contains_key(name.as_str()) {
            return Err((None, format!("missing parameter `{name}` (declared by the script's params_spec())")));
        }
    }
    Ok(())
}

/// Converts pack params to the rhai map a script receives.
pub fn params_to_dynamic(params: &Value) -> Dynamic {
    rhai::serde::to_dynamic(params).unwrap_or(Dynamic::UNIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml_err(text: &str) -> (Location, String) {
        match yaml_to_json("p.yaml", text) {
            Err(PackError::Yaml { at, message }) => (at, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn duplicate_keys_are_refused_at_their_pointer() {
        let (at, message) = yaml_err("name: a\nrules:\n  - id: x\n    id: y\n");
        assert_eq!((at.line, at.pointer.as_str()), (4, "/rules/0/id"));
        assert!(message.starts_with("duplicate member `id`"), "{message}");
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let (at, message) = yaml_err(&deep);
        assert_eq!(at.line, 1);
        assert!(message.contains("nested deeper than 256"), "{message}");
        let (_, message) = yaml_err(&format!("a: {}{}\n", "[".repeat(200), "]".repeat(200)));
        assert!(message.contains("recursion limit exceeded"), "{message}");
    }

    #[test]
    fn alias_bombs_hit_the_repetition_limit() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            text += &format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 9].join(", "));
        }
        let (_, message) = yaml_err(&text);
        assert!(message.contains("repetition limit exceeded") && message.contains("alias"), "{message}");
    }

    #[test]
    fn locating_in_a_multi_document_text_does_not_panic() {
        assert!(locate("a: 1\na: 2\n---\nb: 1\n", "/a").0 <= 2);
        let _ = locate("a: &x 1\nb: *x\n", "/b");
    }
}

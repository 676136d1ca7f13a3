//! Loading a policy pack: YAML, schema, scripts, parameters, with located errors.
//!
//! A pack is checked completely before any rule runs: YAML syntax, `schemas/policy-pack.json`, unique
//! rule ids, script paths (relative to the pack, inside it), script syntax, each script's interface
//! (`fn evaluate(facts, params)`, optional `fn params_spec()`), and every parameter's name and type.
//! Errors give the file, line, column and the JSON pointer into the pack.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use rhai::{AST, Dynamic, Engine, Map, Scope};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::finding::Severity;
use super::host;
use crate::schema::{self, SchemaError, Violation};

/// Where in which file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// File path as given.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// JSON pointer into the pack ("" for the whole document).
    pub pointer: String,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.pointer.is_empty() {
            write!(f, ": at {}", self.pointer)?;
        }
        Ok(())
    }
}

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
    /// The pack file.
    pub path: PathBuf,
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
    LazyLock::new(|| schema::compile("policy-pack.json", include_str!("../../schemas/policy-pack.json")));

/// Parses YAML text into JSON, with the location of a syntax error.
pub fn yaml_to_json(file: &str, text: &str) -> Result<Value, PackError> {
    serde_yaml::from_str::<Value>(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        PackError::Yaml {
            at: Location { file: file.to_owned(), line, column, pointer: String::new() },
            message: e.to_string(),
        }
    })
}

/// Finds the line and column of the node at `pointer` in YAML `text` (best effort: `(0, 0)` if unknown).
pub fn locate(text: &str, pointer: &str) -> (usize, usize) {
    let Ok(root) = marked_yaml::parse_yaml(0, text) else {
        return (0, 0);
    };
    let mut node = &root;
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        let next = match node {
            marked_yaml::Node::Mapping(m) => m.get_node(&segment),
            marked_yaml::Node::Sequence(s) => segment.parse::<usize>().ok().and_then(|i| s.get_node(i)),
            marked_yaml::Node::Scalar(_) => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node.span().start().map_or((0, 0), |m| (m.line(), m.column()))
}

/// Loads and checks the pack at `path`.
pub fn load(path: &Path) -> Result<PolicyPack, PackError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| PackError::Io { file: file.clone(), source })?;
    load_bytes(path, &bytes)
}

/// Loads and checks a pack from its bytes; `path` locates scripts and names the file in errors.
pub fn load_bytes(path: &Path, bytes: &[u8]) -> Result<PolicyPack, PackError> {
    let file = path.display().to_string();
    let digest = format!("sha256:{}", crate::crypto::hex(&Sha256::digest(bytes)));
    let text = std::str::from_utf8(bytes).map_err(|e| PackError::Yaml {
        at: Location {
            file: file.clone(),
            line: crate::input::line_of(bytes, e.valid_up_to()) as usize,
            column: 0,
            pointer: String::new(),
        },
        message: "not valid UTF-8".into(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value = yaml_to_json(&file, text)?;
    let invalid = |pointer: &str, message: String| {
        let (line, column) = locate(text, pointer);
        PackError::Invalid { at: Location { file: file.clone(), line, column, pointer: pointer.to_owned() }, message }
    };
    let validator = PACK_SCHEMA.as_ref().map_err(Clone::clone)?;
    if let Err(Violation { pointer, message }) = schema::first_violation(validator, &value) {
        return Err(invalid(&pointer, message));
    }
    let raw: RawPack = serde_json::from_value(value).map_err(|e| invalid("", e.to_string()))?;
    let engine = host::engine();
    let dir = path.parent().unwrap_or(Path::new("."));
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
                let script_path = dir.join(rel);
                let source = script_path.display().to_string();
                let script = std::fs::read_to_string(&script_path)
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
        check_params(&engine, &ast, &params).map_err(|(name, m)| {
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
    Ok(PolicyPack { name: raw.name, version: raw.version, digest, path: path.to_path_buf(), rules })
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
fn params_spec(engine: &Engine, ast: &AST) -> Result<Map, String> {
    if !ast.iter_functions().any(|f| f.name == "params_spec") {
        return Ok(Map::new());
    }
    let options = rhai::CallFnOptions::new().eval_ast(false);
    engine
        .call_fn_with_options::<Map>(options, &mut Scope::new(), ast, "params_spec", ())
        .map_err(|e| format!("params_spec() must return a map of parameter name to type name: {e}"))
}

/// Checks the pack's params against the script's spec. Errors carry the offending parameter's name.
fn check_params(engine: &Engine, ast: &AST, params: &Value) -> Result<(), (Option<String>, String)> {
    let spec = params_spec(engine, ast).map_err(|m| (None, m))?;
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

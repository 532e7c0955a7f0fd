//! Variable type constraints applied to the values given: `bool` from `"true"`, object
//! attributes declared `optional(T, default)` filled in, undeclared attributes dropped, as
//! Terraform converts a variable's value before the module sees it.

use hcl_edit::expr::{Expression, ObjectKey};

use super::eval::{Eval, Fail, object, string, to_text};
use crate::model::{Entry, Node, Value};

fn name_of(ty: &Expression) -> Option<&str> {
    match ty {
        Expression::Variable(v) => Some(v.value().as_str()),
        _ => None,
    }
}

/// Whether the constraint is a collection or structural type (then a `--tf-var` value is an
/// expression, not a literal string).
pub fn is_complex(ty: Option<&Expression>) -> bool {
    match ty {
        None => false,
        Some(Expression::Variable(v)) => v.value().as_str() == "any",
        Some(_) => true,
    }
}

/// `value` converted to the type `ty`; values that do not fit are left as they are.
pub fn convert(ev: &Eval<'_>, value: Node, ty: &Expression, depth: u32) -> Result<Node, Fail> {
    ev.budget.charge(1)?;
    if depth > 32 || value.is_unknown() || value.is_null() {
        return Ok(value);
    }
    if let Some(n) = name_of(ty) {
        let span = value.span;
        return Ok(match (n, &value.value) {
            ("string", Value::Int(_) | Value::Float(_) | Value::Bool(_)) => {
                string(to_text(&value)?.unwrap_or_default(), span)
            }
            ("number", Value::Str(s)) => match s.trim().parse::<i64>() {
                Ok(i) => Node::new(Value::Int(i), span),
                Err(_) => match s.trim().parse::<f64>() {
                    Ok(f) => Node::new(Value::Float(f), span),
                    Err(_) => value,
                },
            },
            ("bool", Value::Str(s)) if &**s == "true" => Node::new(Value::Bool(true), span),
            ("bool", Value::Str(s)) if &**s == "false" => Node::new(Value::Bool(false), span),
            _ => value,
        });
    }
    let Expression::FuncCall(f) = ty else {
        return Ok(value);
    };
    let args: Vec<&Expression> = f.args.iter().collect();
    let span = value.span;
    match (f.name.name.value().as_str(), args.first()) {
        ("list" | "set", Some(t)) => match value.value {
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(convert(ev, i, t, depth + 1)?);
                }
                Ok(Node::new(Value::Seq(out), span))
            }
            other => Ok(Node::new(other, span)),
        },
        ("map", Some(t)) => match value.value {
            Value::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for e in entries {
                    out.push(Entry {
                        value: convert(ev, e.value, t, depth + 1)?,
                        ..e
                    });
                }
                Ok(Node::new(Value::Map(out), span))
            }
            other => Ok(Node::new(other, span)),
        },
        ("tuple", Some(Expression::Array(ts))) => match value.value {
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, t) in items.into_iter().zip(ts.iter()) {
                    out.push(convert(ev, i, t, depth + 1)?);
                }
                Ok(Node::new(Value::Seq(out), span))
            }
            other => Ok(Node::new(other, span)),
        },
        ("object", Some(Expression::Object(attrs))) => {
            let Value::Map(mut have) = value.value else {
                return Ok(value);
            };
            let mut out = Vec::with_capacity(attrs.len());
            for (k, v) in attrs.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.value().as_str().to_string(),
                    ObjectKey::Expression(Expression::Variable(i)) => {
                        i.value().as_str().to_string()
                    }
                    ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                    ObjectKey::Expression(_) => continue,
                };
                let optional = matches!(v.expr(), Expression::FuncCall(o) if o.name.name.value().as_str() == "optional");
                let (attr_ty, default) = match v.expr() {
                    Expression::FuncCall(o) if o.name.name.value().as_str() == "optional" => {
                        let mut a = o.args.iter();
                        (a.next(), a.next())
                    }
                    t => (Some(t), None),
                };
                let given = have
                    .iter()
                    .rposition(|e| *e.key == *key)
                    .map(|i| have.swap_remove(i))
                    .filter(|e| !e.value.is_null() || default.is_none());
                match given {
                    Some(e) => {
                        let value = match attr_ty {
                            Some(t) => convert(ev, e.value, t, depth + 1)?,
                            None => e.value,
                        };
                        out.push(Entry { value, ..e });
                    }
                    None => {
                        let value = match default {
                            Some(d) => {
                                let d = match ev.eval(d, &mut Default::default()) {
                                    Ok(d) => d,
                                    Err(Fail::Budget) => return Err(Fail::Budget),
                                    Err(Fail::Error) => Node::new(Value::Unknown, span),
                                };
                                match attr_ty {
                                    Some(t) => convert(ev, d, t, depth + 1)?,
                                    None => d,
                                }
                            }
                            // An optional attribute left out is null (unset).
                            None if optional => Node::new(Value::Null, span),
                            None => continue,
                        };
                        out.push(Entry {
                            key: key.into(),
                            key_span: span,
                            value,
                        });
                    }
                }
            }
            Ok(object(out, span))
        }
        _ => Ok(value),
    }
}

//! Message templates: `cluster {name} ...` with placeholders filled per finding.

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Var {
    Name,
    Namespace,
    Kind,
    Value,
    Path,
    /// The `name` of the for_each element (a container's name).
    Item,
    /// The other resource of a cross-resource verdict (`Microsoft.ContainerService/managedClusters aks1`).
    Related,
}

impl Var {
    const ALL: [(&'static str, Var); 7] = [
        ("name", Var::Name),
        ("namespace", Var::Namespace),
        ("kind", Var::Kind),
        ("value", Var::Value),
        ("path", Var::Path),
        ("item", Var::Item),
        ("related", Var::Related),
    ];
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Part {
    Text(String),
    Var(Var),
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Template {
    parts: Vec<Part>,
    pub source: String,
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            lit.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("unclosed `{{` in message `{text}`"))?;
            let name = &after[..close];
            let var = Var::ALL
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
                .ok_or_else(|| {
                    format!(
                        "unknown placeholder `{{{name}}}` (expected one of {{name}}, {{namespace}}, {{kind}}, {{value}}, {{path}}, {{item}}, {{related}})"
                    )
                })?;
            if !lit.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut lit)));
            }
            parts.push(Part::Var(var));
            rest = &after[close + 1..];
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            parts.push(Part::Text(lit));
        }
        Ok(Template {
            parts,
            source: text.to_string(),
        })
    }

    pub fn render(&self, mut value_of: impl FnMut(Var) -> String) -> String {
        let mut out = String::with_capacity(self.source.len() + 16);
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Var(v) => out.push_str(&value_of(*v)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_placeholders() {
        let t = Template::parse("container `{item}` of {kind} `{name}`").unwrap();
        let s = t.render(|v| match v {
            Var::Item => "web".into(),
            Var::Kind => "Deployment".into(),
            Var::Name => "api".into(),
            _ => unreachable!(),
        });
        assert_eq!(s, "container `web` of Deployment `api`");
        assert!(Template::parse("bad {nope}").is_err());
        assert!(Template::parse("bad {name").is_err());
    }
}

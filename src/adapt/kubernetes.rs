//! Kubernetes documents (and `kind: List` items) to resources.

use crate::model::{Format, Node, Resource, ResourceId, Value};
use crate::source::detect::is_kubernetes_object;

use super::helm::SourceMap;

/// Builds the resources of one file's documents; documents that are not Kubernetes objects
/// (empty, scalars, Helm values files, CI configs) give none.
pub fn resources(file: usize, docs: Vec<Node>, helm: &SourceMap) -> Vec<Resource> {
    let mut out = Vec::new();
    for doc in docs {
        let template = helm
            .is_helm()
            .then(|| helm.template_for(doc.span.start.line))
            .flatten()
            .map(Box::<str>::from);
        push_object(file, doc, template, &mut out);
    }
    out
}

fn push_object(file: usize, doc: Node, template: Option<Box<str>>, out: &mut Vec<Resource>) {
    if !is_kubernetes_object(&doc) {
        return;
    }
    let kind = doc.get_str("kind").unwrap_or_default();
    if kind.ends_with("List") && matches!(doc.get("items").map(|n| &n.value), Some(Value::Seq(_))) {
        let Value::Map(entries) = doc.value else {
            return;
        };
        for entry in entries {
            if &*entry.key == "items"
                && let Value::Seq(items) = entry.value.value
            {
                for item in items {
                    push_object(file, item, template.clone(), out);
                }
            }
        }
        return;
    }
    out.push(resource(file, doc, template));
}

fn resource(file: usize, root: Node, helm_source: Option<Box<str>>) -> Resource {
    let api_version = root.get_str("apiVersion").unwrap_or_default();
    let group: Box<str> = api_version.rsplit_once('/').map_or("", |(g, _)| g).into();
    let kind: Box<str> = root.get_str("kind").unwrap_or_default().into();
    let meta = root.get("metadata");
    let name = meta.and_then(|m| m.get_str("name")).map(Box::from);
    let namespace = if is_cluster_scoped(&kind) {
        None
    } else {
        Some(
            meta.and_then(|m| m.get_str("namespace"))
                .unwrap_or("default")
                .into(),
        )
    };
    let pod_path = pod_path(&group, &kind);
    Resource {
        file,
        format: Format::Kubernetes,
        group,
        id: ResourceId {
            kind,
            namespace,
            name,
        },
        root,
        pod_path,
        helm_source,
        arm: None,
        tf: None,
    }
}

/// Where each workload kind keeps its pod template (metadata + spec).
pub fn pod_path(group: &str, kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Pod" => Some(&[]),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => Some(&["spec", "template"]),
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template"]),
        "PodTemplate" => Some(&["template"]),
        "Rollout" if group == "argoproj.io" => Some(&["spec", "template"]),
        _ => None,
    }
}

/// Kinds that live outside namespaces; the rest default to namespace `default` as kubectl does.
fn is_cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "Node"
            | "PersistentVolume"
            | "StorageClass"
            | "CustomResourceDefinition"
            | "ValidatingWebhookConfiguration"
            | "MutatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "PriorityClass"
            | "IngressClass"
            | "RuntimeClass"
            | "APIService"
            | "CSIDriver"
            | "VolumeSnapshotClass"
            | "ClusterIssuer"
            | "Config"
    )
}

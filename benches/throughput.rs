//! Throughput benchmark (DESIGN §5): parse-only vs full lint, on 1 and 2 threads.
//!
//! ```text
//! cargo bench --bench throughput -- [--files N] [--runs R] [--corpus DIR | --no-corpus] [--dump DIR]
//! ```
//!
//! Two corpora:
//! - *generated*: N (default 2,000) deterministic multi-document Kubernetes files of 8–15 KB,
//!   built in memory and fed as `Origin::Stdin`, so disk I/O is excluded;
//! - *real*: `--corpus DIR` (default `../shared/corpus/k8s` when it exists), third-party
//!   manifests walked with `discover` and read from disk on every run (warm page cache). They are
//!   not copied into this repository.
//!
//! For each corpus it builds a rayon pool of 2 and one of 1, warms up, then in every iteration
//! runs both pools (alternating which goes first) and in each pool times `engine::run` with
//! `parse_only: true` and with every built-in policy (alternating too), so slow drift of a
//! noisy VM hits all figures alike. Reported: medians (MB/s), and the medians of the per-run
//! ratios full / parse-only (policy overhead; target ≤ 1.4×, i.e. ≥ 60 % of parse speed) and
//! time(1 thread) / time(2 threads) (speedup). Two lower baselines are timed in the same loop on
//! the YAML files held in memory: saphyr-parser's bare event stream (the parser floor of
//! reference/parse-speed.md) and akslint's spanned tree (`source::yaml::load`) without adapting,
//! the latter also with one rayon work unit per file, to show what scheduling costs.
//! `foreign` is the CPU other processes used during the timed runs, as a share of the machine:
//! above a few percent the figures are noisy (steal by other VMs on the host is not seen).
//!
//! MB = 10^6 bytes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use akslint::discover::{self, DiscoverOptions, Input, Origin};
use akslint::engine::{self, Options};
use akslint::policy::PolicySet;
use akslint::source::{Limits, scalar::Schema, yaml};
use rayon::prelude::*;

// Same allocator as the binary (src/main.rs): it matters for 2-thread scaling.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DEFAULT_CORPUS: &str = "../shared/corpus/k8s";

struct Args {
    files: usize,
    runs: usize,
    corpus: Option<PathBuf>,
    dump: Option<PathBuf>,
}

fn parse_args() -> Args {
    let mut a = Args {
        files: 2_000,
        runs: 9,
        corpus: Some(PathBuf::from(DEFAULT_CORPUS)).filter(|p| p.is_dir()),
        dump: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .unwrap_or_else(|| usage(&format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--files" => {
                a.files = value("--files")
                    .parse()
                    .unwrap_or_else(|_| usage("bad --files"))
            }
            "--runs" => {
                a.runs = value("--runs")
                    .parse()
                    .unwrap_or_else(|_| usage("bad --runs"))
            }
            "--corpus" => a.corpus = Some(PathBuf::from(value("--corpus"))),
            "--no-corpus" => a.corpus = None,
            // Write the generated corpus to DIR (for inspection with the CLI) and exit.
            "--dump" => a.dump = Some(PathBuf::from(value("--dump"))),
            "-h" | "--help" => usage(""),
            // `cargo bench` passes `--bench`; ignore it and any filter string.
            _ => {}
        }
    }
    a.runs = a.runs.max(1);
    a
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("throughput: {msg}");
    }
    eprintln!(
        "usage: cargo bench --bench throughput -- [--files N] [--runs R] [--corpus DIR | --no-corpus] [--dump DIR]"
    );
    std::process::exit(2)
}

// ---------------------------------------------------------------------------------------------
// Deterministic corpus generator.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in lo..=hi.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.range(0, xs.len() - 1)]
    }
}

const APPS: &[&str] = &[
    "frontend",
    "checkout",
    "payments",
    "cart",
    "catalog",
    "search",
    "auth",
    "gateway",
    "orders",
    "inventory",
    "shipping",
    "notifications",
    "reports",
    "billing",
    "profile",
    "recommend",
];
const NAMESPACES: &[&str] = &[
    "default",
    "prod",
    "staging",
    "platform",
    "shop",
    "monitoring",
    "team-a",
];
const IMAGES: &[&str] = &[
    "nginx:1.27.2",
    "myregistry.azurecr.io/shop/api:v2.14.3",
    "mcr.microsoft.com/dotnet/aspnet:8.0",
    "ghcr.io/example/worker:latest",
    "redis",
    "docker.io/library/postgres:16.4",
    "quay.io/prometheus/node-exporter:v1.8.2",
    "busybox:1.36",
    "myregistry.azurecr.io/shop/web@sha256:4f1d8b2a9c0e7d3b5a6c8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3",
    "envoyproxy/envoy:v1.31.2",
];
const ENV_NAMES: &[&str] = &[
    "LOG_LEVEL",
    "PORT",
    "DATABASE_URL",
    "REDIS_HOST",
    "FEATURE_FLAGS",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "ASPNETCORE_ENVIRONMENT",
    "JAVA_OPTS",
    "CACHE_TTL_SECONDS",
    "API_KEY",
    "DB_PASSWORD",
    "CLIENT_SECRET",
    "TZ",
    "HTTP_PROXY",
    "NO_PROXY",
    "MAX_CONNECTIONS",
    "GOMAXPROCS",
    "NODE_ENV",
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "STORAGE_ACCOUNT",
    "QUEUE_NAME",
    "WORKER_THREADS",
];
const ENV_VALUES: &[&str] = &[
    "info",
    "\"8080\"",
    "postgres://db.prod.svc.cluster.local:5432/shop",
    "redis-master",
    "\"true\"",
    "http://otel-collector.monitoring:4317",
    "Production",
    "-Xms512m -Xmx1g -XX:+UseG1GC",
    "\"300\"",
    "Europe/Amsterdam",
    "\"no\"",
    "\"on\"",
    "\"0777\"",
    "10.0.0.0/8,.svc,.cluster.local",
    "yes",
    "\"42\"",
];
const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];
const RESOURCES: &[&str] = &[
    "pods",
    "pods/log",
    "services",
    "endpoints",
    "configmaps",
    "secrets",
    "deployments",
    "replicasets",
    "statefulsets",
    "jobs",
    "cronjobs",
    "ingresses",
    "events",
    "nodes",
    "persistentvolumeclaims",
    "serviceaccounts",
];

use std::fmt::Write as _;

struct Gen {
    rng: Rng,
}

impl Gen {
    fn labels(&mut self, out: &mut String, indent: &str, app: &str, full: bool) {
        let _ = writeln!(out, "{indent}app.kubernetes.io/name: {app}");
        if full {
            let _ = writeln!(out, "{indent}app.kubernetes.io/part-of: shop");
            let _ = writeln!(
                out,
                "{indent}app.kubernetes.io/version: \"{}.{}.{}\"",
                self.rng.range(1, 4),
                self.rng.range(0, 20),
                self.rng.range(0, 9)
            );
            let _ = writeln!(out, "{indent}app.kubernetes.io/managed-by: helm");
        }
    }

    fn metadata(&mut self, out: &mut String, name: &str, ns: Option<&str>, app: &str) {
        self.metadata_with(out, name, ns, app, None)
    }

    fn metadata_with(
        &mut self,
        out: &mut String,
        name: &str,
        ns: Option<&str>,
        app: &str,
        extra: Option<&str>,
    ) {
        out.push_str("metadata:\n");
        let _ = writeln!(out, "  name: {name}");
        if let Some(ns) = ns {
            let _ = writeln!(out, "  namespace: {ns}");
        }
        out.push_str("  labels:\n");
        self.labels(out, "    ", app, true);
        let annotate = self.rng.chance(0.4);
        if annotate || extra.is_some() {
            out.push_str("  annotations:\n");
            if let Some(line) = extra {
                let _ = writeln!(out, "    {line}");
            }
        }
        if annotate {
            let _ = writeln!(
                out,
                "    kubernetes.io/change-cause: \"release {} rollout\"",
                self.rng.range(100, 999)
            );
            if self.rng.chance(0.5) {
                out.push_str(
                    "    prometheus.io/scrape: \"true\"\n    prometheus.io/port: \"9090\"\n",
                );
            }
        }
    }

    fn container(&mut self, out: &mut String, name: &str, first: bool, anchors: bool) {
        let r = &mut self.rng;
        let _ = writeln!(out, "      - name: {name}");
        let _ = writeln!(out, "        image: {}", r.pick(IMAGES));
        if r.chance(0.5) {
            let _ = writeln!(
                out,
                "        imagePullPolicy: {}",
                r.pick(&["Always", "IfNotPresent"])
            );
        }
        if r.chance(0.3) {
            out.push_str("        command: [\"/bin/sh\", \"-c\"]\n");
            out.push_str("        args:\n          - |\n            set -eu\n            echo starting\n            exec /app/server --config /etc/app/config.yaml\n");
        }
        let port = [8080, 8443, 9090, 3000, 5000][r.range(0, 4)];
        let _ = writeln!(
            out,
            "        ports:\n          - name: http\n            containerPort: {port}\n            protocol: TCP"
        );
        if r.chance(0.15) {
            let _ = writeln!(out, "            hostPort: {port}");
        }
        out.push_str("        env:\n");
        let mut names: Vec<&str> = ENV_NAMES.to_vec();
        for _ in 0..r.range(6, 20) {
            let n = names.swap_remove(r.range(0, names.len() - 1));
            match r.range(0, 9) {
                0..=5 => {
                    let _ = writeln!(
                        out,
                        "          - name: {n}\n            value: {}",
                        r.pick(ENV_VALUES)
                    );
                }
                6 | 7 => {
                    let _ = writeln!(
                        out,
                        "          - name: {n}\n            valueFrom:\n              secretKeyRef:\n                name: {name}-secrets\n                key: {}",
                        n.to_ascii_lowercase()
                    );
                }
                8 => {
                    let _ = writeln!(
                        out,
                        "          - name: {n}\n            valueFrom:\n              configMapKeyRef:\n                name: {name}-config\n                key: {}\n                optional: true",
                        n.to_ascii_lowercase()
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "          - name: POD_IP\n            valueFrom:\n              fieldRef:\n                fieldPath: status.podIP"
                    );
                }
            }
        }
        if anchors || r.chance(0.8) {
            if anchors && first {
                out.push_str("        resources: &res\n");
            } else if anchors {
                out.push_str("        resources: *res\n");
            } else {
                out.push_str("        resources:\n");
            }
            if !anchors || first {
                let _ = writeln!(
                    out,
                    "          requests:\n            cpu: {}m\n            memory: {}Mi",
                    r.range(1, 10) * 50,
                    r.range(1, 16) * 64
                );
                if r.chance(0.7) {
                    let _ = writeln!(
                        out,
                        "          limits:\n            cpu: \"{}\"\n            memory: {}Gi",
                        r.range(1, 4),
                        r.range(1, 8)
                    );
                }
            }
        }
        if r.chance(0.75) {
            let _ = writeln!(
                out,
                "        livenessProbe:\n          httpGet:\n            path: /healthz\n            port: {port}\n          initialDelaySeconds: {}\n          periodSeconds: 10\n          failureThreshold: 3",
                r.range(5, 30)
            );
            let _ = writeln!(
                out,
                "        readinessProbe:\n          httpGet:\n            path: /ready\n            port: http\n          periodSeconds: 5"
            );
        }
        if r.chance(0.85) {
            out.push_str("        securityContext:\n");
            if r.chance(0.1) {
                out.push_str("          privileged: true\n");
            }
            let _ = writeln!(
                out,
                "          allowPrivilegeEscalation: {}",
                if r.chance(0.8) { "false" } else { "true" }
            );
            if r.chance(0.6) {
                out.push_str("          readOnlyRootFilesystem: true\n");
            }
            if r.chance(0.7) {
                let _ = writeln!(
                    out,
                    "          runAsNonRoot: true\n          runAsUser: {}",
                    r.range(1000, 65000)
                );
            } else if r.chance(0.3) {
                out.push_str("          runAsUser: 0\n");
            }
            out.push_str("          capabilities:\n            drop: [\"ALL\"]\n");
            if r.chance(0.1) {
                out.push_str(
                    "            add:\n              - NET_ADMIN\n              - SYS_TIME\n",
                );
            }
        }
        out.push_str("        volumeMounts:\n          - name: config\n            mountPath: /etc/app\n            readOnly: true\n          - name: tmp\n            mountPath: /tmp\n");
    }

    fn deployment(&mut self, out: &mut String, app: &str, ns: &str) {
        let anchors = self.rng.chance(0.05);
        let kind = if self.rng.chance(0.85) {
            "Deployment"
        } else {
            "StatefulSet"
        };
        let _ = writeln!(out, "apiVersion: apps/v1\nkind: {kind}");
        self.metadata(out, app, Some(ns), app);
        let _ = writeln!(out, "spec:\n  replicas: {}", self.rng.range(1, 6));
        if kind == "StatefulSet" {
            let _ = writeln!(out, "  serviceName: {app}");
        }
        if anchors {
            let _ = writeln!(
                out,
                "  selector:\n    matchLabels: &sel\n      app.kubernetes.io/name: {app}\n      app.kubernetes.io/instance: {app}-main"
            );
            out.push_str("  template:\n    metadata:\n      labels:\n        <<: *sel\n        tier: backend\n");
        } else {
            let _ = writeln!(
                out,
                "  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}"
            );
            out.push_str("  template:\n    metadata:\n      labels:\n");
            self.labels(out, "        ", app, true);
        }
        if self.rng.chance(0.5) {
            out.push_str("      annotations:\n        checksum/config: 0f3c9a7e1b2d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6\n");
        }
        out.push_str("    spec:\n");
        if self.rng.chance(0.7) {
            let _ = writeln!(out, "      serviceAccountName: {app}");
        }
        if self.rng.chance(0.05) {
            out.push_str("      hostNetwork: true\n      hostPID: true\n");
        }
        if self.rng.chance(0.5) {
            out.push_str("      securityContext:\n        runAsNonRoot: true\n        fsGroup: 2000\n        seccompProfile:\n          type: RuntimeDefault\n");
        }
        if self.rng.chance(0.3) {
            out.push_str(
                "      nodeSelector:\n        kubernetes.io/os: linux\n        agentpool: user\n",
            );
            out.push_str("      tolerations:\n        - key: CriticalAddonsOnly\n          operator: Exists\n          effect: NoSchedule\n");
        }
        out.push_str("      containers:\n");
        let n = self.rng.range(2, 3);
        for i in 0..n {
            let name = if i == 0 {
                app.to_string()
            } else {
                ["sidecar", "proxy", "log-shipper"][i % 3].to_string()
            };
            self.container(out, &name, i == 0, anchors);
        }
        let _ = writeln!(
            out,
            "      volumes:\n        - name: config\n          configMap:\n            name: {app}-config\n        - name: tmp\n          emptyDir:\n            medium: Memory\n            sizeLimit: 64Mi"
        );
        if self.rng.chance(0.08) {
            out.push_str("        - name: docker-sock\n          hostPath:\n            path: /var/run/docker.sock\n            type: Socket\n");
        }
    }

    fn service(&mut self, out: &mut String, app: &str, ns: &str) {
        out.push_str("apiVersion: v1\nkind: Service\n");
        let ty = match self.rng.range(0, 9) {
            0 | 1 => "LoadBalancer",
            2 => "NodePort",
            _ => "ClusterIP",
        };
        let internal = (ty == "LoadBalancer" && self.rng.chance(0.5))
            .then_some("service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"");
        self.metadata_with(out, app, Some(ns), app, internal);
        let _ = writeln!(
            out,
            "spec:\n  type: {ty}\n  selector:\n    app.kubernetes.io/name: {app}\n  ports:"
        );
        for (name, port, target) in [("http", 80, 8080), ("https", 443, 8443)]
            .iter()
            .take(self.rng.range(1, 2))
        {
            let _ = writeln!(
                out,
                "    - name: {name}\n      port: {port}\n      targetPort: {target}\n      protocol: TCP"
            );
        }
        if ty == "LoadBalancer" && self.rng.chance(0.3) {
            out.push_str("  loadBalancerSourceRanges:\n    - 0.0.0.0/0\n");
        }
    }

    fn configmap(&mut self, out: &mut String, app: &str, ns: &str) {
        out.push_str("apiVersion: v1\nkind: ConfigMap\n");
        self.metadata(out, &format!("{app}-config"), Some(ns), app);
        out.push_str("data:\n");
        let _ = writeln!(
            out,
            "  LOG_LEVEL: {}",
            self.rng.pick(&["debug", "info", "warn"])
        );
        out.push_str("  ENABLE_CACHE: \"yes\"\n");
        out.push_str("  nginx.conf: |\n    worker_processes auto;\n    events { worker_connections 1024; }\n    http {\n      server {\n        listen 8080;\n        location / {\n          proxy_pass http://127.0.0.1:5000;\n          proxy_set_header Host $host;\n        }\n      }\n    }\n");
        out.push_str("  application.properties: |-\n");
        for i in 0..self.rng.range(5, 25) {
            let _ = writeln!(
                out,
                "    app.setting.key{i}=value-{}",
                self.rng.range(0, 100000)
            );
        }
        out.push_str("  motd: >\n    This service is managed by the platform team.\n    Changes go through the GitOps repository;\n    manual edits are reverted.\n");
    }

    fn role(&mut self, out: &mut String, app: &str, ns: &str, cluster: bool) {
        let kind = if cluster { "ClusterRole" } else { "Role" };
        let _ = writeln!(
            out,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}"
        );
        self.metadata(out, &format!("{app}-reader"), (!cluster).then_some(ns), app);
        out.push_str("rules:\n");
        for _ in 0..self.rng.range(1, 5) {
            let group = self
                .rng
                .pick(&["\"\"", "apps", "batch", "networking.k8s.io"]);
            if self.rng.chance(0.08) {
                let _ = writeln!(
                    out,
                    "  - apiGroups: [\"*\"]\n    resources: [\"*\"]\n    verbs: [\"*\"]"
                );
                continue;
            }
            let _ = writeln!(out, "  - apiGroups: [{group}]\n    resources:");
            for _ in 0..self.rng.range(1, 4) {
                let _ = writeln!(out, "      - {}", self.rng.pick(RESOURCES));
            }
            if self.rng.chance(0.1) {
                out.push_str("    verbs: [\"*\"]\n");
            } else {
                let n = self.rng.range(1, 5);
                let start = self.rng.range(0, VERBS.len() - n);
                let _ = writeln!(out, "    verbs: [{}]", VERBS[start..start + n].join(", "));
            }
        }
    }

    fn binding(&mut self, out: &mut String, app: &str, ns: &str, cluster: bool) {
        let (kind, role) = if cluster {
            ("ClusterRoleBinding", "ClusterRole")
        } else {
            ("RoleBinding", "Role")
        };
        let _ = writeln!(
            out,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}"
        );
        self.metadata(out, &format!("{app}-reader"), (!cluster).then_some(ns), app);
        let _ = writeln!(
            out,
            "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: {role}\n  name: {app}-reader\nsubjects:\n  - kind: ServiceAccount\n    name: {app}\n    namespace: {ns}"
        );
        if self.rng.chance(0.05) {
            out.push_str("  - kind: Group\n    apiGroup: rbac.authorization.k8s.io\n    name: system:authenticated\n");
        }
    }

    fn service_account(&mut self, out: &mut String, app: &str, ns: &str) {
        out.push_str("apiVersion: v1\nkind: ServiceAccount\n");
        self.metadata(out, app, Some(ns), app);
        if self.rng.chance(0.5) {
            let _ = writeln!(
                out,
                "automountServiceAccountToken: {}",
                self.rng.chance(0.5)
            );
        }
    }

    /// One application's resources (Deployment, often a Service, ConfigMap and RBAC), as
    /// `---`-separated documents.
    fn bundle(&mut self, out: &mut String, app: &str, ns: &str) {
        let doc = |out: &mut String| {
            if !out.is_empty() {
                out.push_str("---\n");
            }
        };
        doc(out);
        self.deployment(out, app, ns);
        if self.rng.chance(0.9) {
            doc(out);
            self.service(out, app, ns);
        }
        if self.rng.chance(0.6) {
            doc(out);
            self.configmap(out, app, ns);
        }
        if self.rng.chance(0.5) {
            let cluster = self.rng.chance(0.3);
            doc(out);
            self.service_account(out, app, ns);
            doc(out);
            self.role(out, app, ns, cluster);
            doc(out);
            self.binding(out, app, ns, cluster);
        }
    }

    /// One file of 8–15 KB: application bundles until a random target size is reached.
    fn file(&mut self, index: usize) -> String {
        const MIN: usize = 8_000;
        const MAX: usize = 15_000;
        let target = self.rng.range(MIN, MAX);
        let mut out = String::with_capacity(MAX + 8_000);
        if self.rng.chance(0.3) {
            out.push_str("# Generated by the akslint throughput benchmark.\n");
        }
        let ns = self.rng.pick(NAMESPACES);
        let mut bundle = String::new();
        let (mut k, mut tries) = (0, 0);
        while out.len() < target && tries < 50 {
            let app = format!("{}-{index}-{k}", self.rng.pick(APPS));
            bundle.clear();
            self.bundle(&mut bundle, &app, ns);
            // A bundle is 2–9 KB: draw another rather than overshoot the maximum.
            tries += 1;
            if out.len() + bundle.len() > MAX && (out.len() >= MIN || tries < 50) {
                continue;
            }
            if k > 0 {
                out.push_str("---\n");
            }
            k += 1;
            out.push_str(&bundle);
        }
        out
    }
}

fn generate(files: usize) -> Vec<Input> {
    let mut g = Gen {
        rng: Rng(0x9E37_79B9_7F4A_7C15),
    };
    (0..files)
        .map(|i| Input {
            display: format!("generated/app-{i:05}.yaml").into(),
            origin: Origin::Stdin(g.file(i).into()),
            explicit: false,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Measurement.

/// CPU ticks: (this process user+system, whole machine busy).
fn cpu_ticks() -> (u64, u64) {
    let own = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are 14 and 15.
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    let busy = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            let line = s.lines().next()?;
            let v: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|x| x.parse().ok())
                .collect();
            // user nice system idle iowait irq softirq steal ...
            Some(v.iter().sum::<u64>() - v.get(3)? - v.get(4).copied().unwrap_or(0))
        })
        .unwrap_or(0);
    (own, busy)
}

#[derive(Default)]
struct Samples {
    secs: Vec<f64>,
    own_ticks: u64,
    foreign_ticks: u64,
    wall: f64,
}

impl Samples {
    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let (o0, b0) = cpu_ticks();
        let t = Instant::now();
        let r = f();
        let dt = t.elapsed().as_secs_f64();
        let (o1, b1) = cpu_ticks();
        let own = o1.saturating_sub(o0);
        self.own_ticks += own;
        self.foreign_ticks += b1.saturating_sub(b0).saturating_sub(own);
        self.wall += dt;
        self.secs.push(dt);
        r
    }
    fn median(&self) -> f64 {
        let mut v = self.secs.clone();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }
    /// Share of `threads` cores this process kept busy.
    fn cpu_use(&self, threads: usize, hz: f64) -> f64 {
        self.own_ticks as f64 / hz / (self.wall * threads as f64)
    }
}

struct Row {
    corpus: String,
    threads: usize,
    files: usize,
    bytes: u64,
    yaml_bytes: u64,
    events: f64,
    tree: f64,
    tree_per_file: Option<f64>,
    parse: f64,
    full: f64,
    /// Median of per-run time(full) / time(parse-only).
    overhead: f64,
    /// 2-thread rows: median of per-run time(1 thread) / time(2 threads), parse-only and full.
    speedup: Option<(f64, f64)>,
    cpu_full: f64,
    foreign: f64,
    resources: usize,
    findings: usize,
    crashes: usize,
}

fn events_only(texts: &[Arc<str>]) -> usize {
    texts
        .par_iter()
        .map(|t| {
            let mut n = 0usize;
            for ev in saphyr_parser::Parser::new_from_str(t) {
                match ev {
                    Ok((_, span)) => n += span.start.line(),
                    Err(_) => break,
                }
            }
            n
        })
        .sum()
}

/// `per_file`: every file its own rayon work unit. A plain `par_iter` (as in `engine::run`)
/// splits the slice into about 2 × threads contiguous leaves that cannot be stolen once
/// started, so a run of big files in one leaf leaves the other core idle.
fn tree_only(texts: &[Arc<str>], per_file: bool) -> usize {
    texts
        .par_iter()
        .with_max_len(if per_file { 1 } else { usize::MAX })
        .map(|t| yaml::load(t, Schema::Yaml11, Limits::default()).docs.len())
        .sum()
}

/// One thread count's samples.
#[derive(Default)]
struct Side {
    ev: Samples,
    tr: Samples,
    /// Tree with one work unit per file (2-thread side only).
    trf: Samples,
    po: Samples,
    fu: Samples,
}

/// Measures both thread counts in the same loop: each iteration runs the 2-thread and the
/// 1-thread pool (alternating which goes first), and in each pool parse-only and full
/// (alternating too), so slow drift of the machine hits every figure alike.
fn measure(
    name: &str,
    inputs: &[Input],
    yaml_texts: &[Arc<str>],
    set: &PolicySet,
    runs: usize,
) -> Vec<Row> {
    const THREADS: [usize; 2] = [2, 1];
    let pools: Vec<rayon::ThreadPool> = THREADS
        .iter()
        .map(|&n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("rayon pool")
        })
        .collect();
    let parse_opts = Options {
        parse_only: true,
        ..Default::default()
    };
    let full_opts = Options::default();
    let hz = 100.0; // USER_HZ on Linux

    // Warm-up: page cache, allocator arenas, lazily built state; also the sanity counts.
    let warm = pools[0].install(|| {
        drop(engine::run(inputs, set, &parse_opts));
        engine::run(inputs, set, &full_opts)
    });
    let bytes = warm.bytes;
    let resources = warm.files.iter().map(|f| f.resources).sum();
    let findings = warm.findings.len();
    let crashes = warm
        .findings
        .iter()
        .filter(|f| f.id.as_ref() == "AKL004")
        .count();
    drop(warm);
    for pool in &pools {
        pool.install(|| {
            let _ = events_only(yaml_texts);
            let _ = tree_only(yaml_texts, false);
            let _ = tree_only(yaml_texts, true);
            drop(engine::run(inputs, set, &parse_opts));
        });
    }

    let mut sides: Vec<Side> = THREADS.iter().map(|_| Side::default()).collect();
    let mut sink = 0usize;
    for i in 0..runs {
        let order: [usize; 2] = if i % 2 == 0 { [0, 1] } else { [1, 0] };
        for p in order {
            let side = &mut sides[p];
            pools[p].install(|| {
                let parse =
                    |s: &mut Samples| s.time(|| engine::run(inputs, set, &parse_opts)).files.len();
                let full = |s: &mut Samples| {
                    s.time(|| engine::run(inputs, set, &full_opts))
                        .findings
                        .len()
                };
                // Alternate the order so drift (thermal, neighbours) does not favour one side.
                if (i / 2) % 2 == 0 {
                    sink += parse(&mut side.po);
                    sink += full(&mut side.fu);
                } else {
                    sink += full(&mut side.fu);
                    sink += parse(&mut side.po);
                }
                sink += side.ev.time(|| events_only(yaml_texts));
                sink += side.tr.time(|| tree_only(yaml_texts, false));
                if p == 0 {
                    sink += side.trf.time(|| tree_only(yaml_texts, true));
                }
            });
        }
    }
    std::hint::black_box(sink);

    let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let yaml_bytes: u64 = yaml_texts.iter().map(|t| t.len() as u64).sum();
    THREADS
        .iter()
        .zip(&sides)
        .map(|(&threads, s)| {
            let all = [&s.ev, &s.tr, &s.trf, &s.po, &s.fu];
            let wall: f64 = all.iter().map(|x| x.wall).sum();
            let foreign_ticks: u64 = all.iter().map(|x| x.foreign_ticks).sum();
            Row {
                corpus: name.to_string(),
                threads,
                files: inputs.len(),
                bytes,
                yaml_bytes,
                events: yaml_bytes as f64 / s.ev.median(),
                tree: yaml_bytes as f64 / s.tr.median(),
                tree_per_file: (!s.trf.secs.is_empty()).then(|| yaml_bytes as f64 / s.trf.median()),
                parse: bytes as f64 / s.po.median(),
                full: bytes as f64 / s.fu.median(),
                overhead: paired_median(&s.fu.secs, &s.po.secs),
                speedup: (threads == 2).then(|| {
                    (
                        paired_median(&sides[1].po.secs, &s.po.secs),
                        paired_median(&sides[1].fu.secs, &s.fu.secs),
                    )
                }),
                cpu_full: s.fu.cpu_use(threads, hz),
                foreign: foreign_ticks as f64 / hz / (wall * ncpu),
                resources,
                findings,
                crashes,
            }
        })
        .collect()
}

/// Median over runs of a[i] / b[i] (samples taken side by side).
fn paired_median(a: &[f64], b: &[f64]) -> f64 {
    let mut r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    r.sort_by(f64::total_cmp);
    let n = r.len();
    if n % 2 == 1 {
        r[n / 2]
    } else {
        (r[n / 2 - 1] + r[n / 2]) / 2.0
    }
}

fn yaml_texts(inputs: &[Input]) -> Vec<Arc<str>> {
    inputs
        .iter()
        .filter(|i| {
            let d = i.display.to_ascii_lowercase();
            d.ends_with(".yaml") || d.ends_with(".yml")
        })
        .filter_map(|i| match &i.origin {
            Origin::Stdin(t) => Some(t.clone()),
            Origin::File(p) => std::fs::read_to_string(p).ok().map(Arc::from),
        })
        .collect()
}

/// (largest input, total) in bytes.
fn input_sizes(inputs: &[Input]) -> (u64, u64) {
    let sizes = inputs.iter().map(|i| match &i.origin {
        Origin::Stdin(t) => t.len() as u64,
        Origin::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
    });
    sizes.fold((0, 0), |(m, t), s| (m.max(s), t + s))
}

fn real_inputs(dir: &Path) -> Vec<Input> {
    let paths = [dir.to_string_lossy().into_owned()];
    match discover::discover(&paths, &DiscoverOptions::default(), || Ok(String::new())) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("throughput: skipping {}: {e}", dir.display());
            Vec::new()
        }
    }
}

fn main() {
    let args = parse_args();
    let set = PolicySet::load(&[]).expect("built-in policies load");
    // Crashes become AKL004 findings (counted below); keep panic messages off stderr.
    std::panic::set_hook(Box::new(|_| {}));

    let mut corpora: Vec<(String, Vec<Input>)> = Vec::new();
    let t = Instant::now();
    let generated = generate(args.files);
    eprintln!(
        "generated {} files in {:.2} s",
        generated.len(),
        t.elapsed().as_secs_f64()
    );
    if let Some(dir) = &args.dump {
        std::fs::create_dir_all(dir.join("generated")).expect("create dump dir");
        for i in &generated {
            if let Origin::Stdin(t) = &i.origin {
                std::fs::write(dir.join(i.display.as_ref()), t.as_bytes()).expect("write");
            }
        }
        eprintln!("wrote {} files under {}", generated.len(), dir.display());
        return;
    }
    corpora.push(("generated".into(), generated));
    if let Some(dir) = &args.corpus {
        let inputs = real_inputs(dir);
        if !inputs.is_empty() {
            corpora.push((format!("real:{}", dir.display()), inputs));
        }
    }

    let mut rows = Vec::new();
    let mut largest = Vec::new();
    for (name, inputs) in &corpora {
        let texts = yaml_texts(inputs);
        largest.push(input_sizes(inputs));
        eprintln!("measuring {name}, 2 and 1 threads, {} runs ...", args.runs);
        rows.extend(measure(name, inputs, &texts, &set, args.runs));
    }
    let _ = std::panic::take_hook();

    println!();
    println!(
        "akslint throughput: median of {} runs after a warm-up; MB = 10^6 bytes; {} policies",
        args.runs,
        set.policies.len()
    );
    println!();
    println!(
        "{:<9} {:>5} {:>5} {:>3} | {:>6} {:>6} {:>6} {:>6} | {:>9} {:>9} | {:>11} | {:>4} {:>7}",
        "corpus",
        "files",
        "MB",
        "thr",
        "events",
        "tree",
        "parse",
        "full",
        "full/parse",
        "full/evts",
        "1->2 thr",
        "cpu",
        "foreign"
    );
    println!("{}", "-".repeat(108));
    for r in &rows {
        let short = if r.corpus.starts_with("real:") {
            "real"
        } else {
            &r.corpus
        };
        let speedup = r
            .speedup
            .map_or("-".to_string(), |(p, f)| format!("{p:.2}x/{f:.2}x"));
        println!(
            "{:<9} {:>5} {:>5.1} {:>3} | {:>6.1} {:>6.1} {:>6.1} {:>6.1} | {:>9.2}x {:>8.2}x | {:>11} | {:>3.0}% {:>6.1}%",
            short,
            r.files,
            r.bytes as f64 / 1e6,
            r.threads,
            r.events / 1e6,
            r.tree / 1e6,
            r.parse / 1e6,
            r.full / 1e6,
            r.overhead,
            r.events / r.full,
            speedup,
            r.cpu_full * 100.0,
            r.foreign * 100.0,
        );
    }
    println!();
    println!(
        "events, tree, parse, full: MB/s. events = saphyr-parser event stream only (the parser floor);"
    );
    println!(
        "  tree = akslint's spanned YAML tree (source::yaml::load); parse = engine parse_only (read,"
    );
    println!("  tree, adapt); full = engine with every built-in policy.");
    println!(
        "full/parse = median per-run time(full) / time(parse-only): policy overhead, target <= 1.40x."
    );
    println!(
        "full/evts = time(full) / time(events), medians. 1->2 thr = median per-run speedup, parse/full."
    );
    println!(
        "cpu = this process's CPU in full runs / (wall x threads); foreign = other processes' CPU share."
    );
    println!();
    for (pair, (max, total)) in rows.chunks(2).zip(&largest) {
        if let [two, one] = pair {
            let short = if two.corpus.starts_with("real:") {
                "real"
            } else {
                &two.corpus
            };
            let verdict = |x: f64| if x <= 1.4 { "met" } else { "NOT met" };
            println!(
                "{short}: policy overhead {:.2}x on 2 threads, {:.2}x on 1 (target <= 1.40x: {} / {})",
                two.overhead,
                one.overhead,
                verdict(two.overhead),
                verdict(one.overhead)
            );
            println!(
                "  {} resources, {} findings, {} AKL004 crashes; {:.1} MB in YAML files (events/tree columns)",
                two.resources,
                two.findings,
                two.crashes,
                two.yaml_bytes as f64 / 1e6
            );
            println!(
                "  largest file {:.2} MB ({:.1}% of the corpus); files are the unit of parallel work",
                *max as f64 / 1e6,
                100.0 * *max as f64 / (*total).max(1) as f64
            );
            if let Some(fine) = two.tree_per_file {
                println!(
                    "  tree on 2 threads: {:.1} MB/s as plain par_iter (engine's scheme), {:.1} MB/s with one work unit per file ({:.2}x)",
                    two.tree / 1e6,
                    fine / 1e6,
                    fine / two.tree
                );
            }
        }
    }
    if let Some((name, _)) = corpora.iter().find(|(n, _)| n.starts_with("real:")) {
        println!(
            "{}: third-party manifests, read from disk on each run (warm page cache), not copied into this repo",
            name.trim_start_matches("real:")
        );
    }
}

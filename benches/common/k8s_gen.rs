//! Deterministic Kubernetes YAML generator shared by the `throughput` and `generate` benches
//! (included in each with `#[path = "common/k8s_gen.rs"] mod k8s_gen;`).
//!
//! Per file, application bundles until 8-15 KB: a Deployment (15 % StatefulSet) with 2-3
//! containers, env vars, probes, resources and securityContext (some insecure), a Service, a
//! ConfigMap with block scalars, and half the time ServiceAccount + Role/ClusterRole + binding;
//! 5 % of bundles use anchors, aliases and a `<<` merge key. Files come from one xorshift64*
//! stream, so the first N files of a larger run are the files of a run of N.

use std::fmt::Write as _;

/// The seed the `throughput` bench has always used (its corpus depends on it).
pub const DEFAULT_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in lo..=hi.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
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

pub struct Gen {
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
    pub fn file(&mut self, index: usize) -> String {
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

impl Gen {
    /// `seed` must not be 0 (xorshift would stay at 0).
    pub fn new(seed: u64) -> Self {
        assert_ne!(seed, 0, "xorshift seed must be non-zero");
        Gen { rng: Rng(seed) }
    }
}

package io.walletoutbox.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The deployment files in {@code ops/deploy/}: every Kustomize overlay rendered with {@code kubectl kustomize} (a
 * missing kubectl fails the test), the compose stack, the Dockerfile and its health check, checked against the
 * settings the service reads (the app's {@code Setting} enum, read from its source: the ops module does not depend
 * on the app).
 */
class DeployManifestsTest {
    static final Path ROOT = repositoryRoot();
    static final Path DEPLOY = ROOT.resolve("ops/deploy");
    static final List<String> ROLES = List.of("api", "relay", "consumer");
    private static final Set<String> REQUIRED_EVERYWHERE =
            Set.of("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "AUTH_ISSUER", "ROLES");

    /** Secrets the operator creates (docs/operations.md, "Deployment"): name → keys the manifests may use. */
    private static final Map<String, Set<String>> OPERATOR_SECRETS = Map.of(
            "wallet-outbox-secrets",
            Set.of(
                    "database-password",
                    "provider-api-key",
                    "kafka-relay-jaas",
                    "kafka-consumer-jaas",
                    "kafka-truststore",
                    "kafka-truststore-password"),
            "wallet-outbox-kafka-admin",
            Set.of("jaas"),
            "wallet-outbox-migration",
            Set.of("password"),
            "wallet-outbox-postgres-ca",
            Set.of("ca.crt"));

    /** The Kafka client settings only the relay, the consumer and provision-topics get (the api needs none). */
    private static final Set<String> KAFKA_CLIENT_SETTINGS = Set.of(
            "KAFKA_SECURITY_PROTOCOL",
            "KAFKA_SASL_MECHANISM",
            "KAFKA_SASL_JAAS_CONFIG",
            "KAFKA_SASL_JAAS_CONFIG_FILE",
            "KAFKA_SSL_TRUSTSTORE_LOCATION",
            "KAFKA_SSL_TRUSTSTORE_PASSWORD_FILE");

    private static final Map<String, Render> RENDERS = new java.util.concurrent.ConcurrentHashMap<>();

    private static final Settings SETTINGS = Settings.read(
            ROOT.resolve("app/src/main/java/io/walletoutbox/app/internal/config/Setting.java"),
            ROOT.resolve("docs/tracing.md"));

    @Test
    void settingsAreReadFromTheService() {
        assertTrue(SETTINGS.names().containsAll(List.of("DATABASE_URL", "HTTP_PORT", "MANAGEMENT_PORT", "ROLES")));
        assertTrue(SETTINGS.secrets().containsAll(List.of("DATABASE_PASSWORD", "PROVIDER_API_KEY")));
        assertFalse(SETTINGS.secrets().contains("DATABASE_URL"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"single-node", "production"})
    void overlayRendersEveryPart(String overlay) {
        Render render = render(overlay);
        for (String role : ROLES) {
            Map<String, Object> deployment = render.deployment(role);
            assertEquals(
                    role,
                    at(deployment, "spec", "template", "metadata", "labels").get("app.kubernetes.io/component"));
            assertNotNull(render.find("PodDisruptionBudget", "wallet-outbox-" + role), role + " has no PDB");
        }
        for (Map<String, Object> object : render.objects()) {
            assertEquals("wallet-outbox", at(object, "metadata").get("namespace"), describe(object));
        }
        Map<String, Object> hpa = render.find("HorizontalPodAutoscaler", "wallet-outbox-api");
        assertNotNull(hpa, "api has no autoscaler");
        assertEquals("wallet-outbox-api", at(hpa, "spec", "scaleTargetRef").get("name"));
        assertTrue((int) at(hpa, "spec").get("minReplicas") >= 1);
        assertNotNull(render.find("ServiceMonitor", "wallet-outbox"));
        assertNotNull(render.find("PrometheusRule", "wallet-outbox"));
        assertEquals(8, render.ofKind("NetworkPolicy").size());
        assertEquals(2, render.ofKind("Service").size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"single-node", "production"})
    void everyDeploymentProbesTheManagementPort(String overlay) {
        Render render = render(overlay);
        for (String role : ROLES) {
            Map<String, Object> container = render.container(role);
            int management =
                    Integer.parseInt(render.env(role).get("MANAGEMENT_PORT").value());
            Map<String, String> paths = Map.of(
                    "startupProbe", "/health/live",
                    "livenessProbe", "/health/live",
                    "readinessProbe", "/health/ready");
            paths.forEach((probe, path) -> {
                Map<String, Object> get = at(container, probe, "httpGet");
                assertEquals(path, get.get("path"), role + " " + probe);
                assertEquals(management, containerPort(container, get.get("port")), role + " " + probe + " port");
            });
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"single-node", "production"})
    void everyDeploymentRunsLockedDownWithResources(String overlay) {
        Render render = render(overlay);
        for (String role : ROLES) {
            Map<String, Object> podSpec = at(render.deployment(role), "spec", "template", "spec");
            Map<String, Object> pod = at(podSpec, "securityContext");
            Map<String, Object> container = render.container(role);
            Map<String, Object> own = at(container, "securityContext");
            Map<String, Object> effective = new HashMap<>(pod);
            effective.putAll(own);
            assertEquals(true, effective.get("runAsNonRoot"), role);
            assertTrue(effective.get("runAsUser") instanceof Integer uid && uid > 0, role + " runAsUser");
            assertEquals(dockerfileUser(), effective.get("runAsUser"), role + ": the image's USER");
            assertEquals(true, own.get("readOnlyRootFilesystem"), role);
            assertEquals(false, own.get("allowPrivilegeEscalation"), role);
            assertEquals(List.of("ALL"), at(own, "capabilities").get("drop"), role);
            assertEquals("RuntimeDefault", at(effective, "seccompProfile").get("type"), role);
            assertEquals(false, podSpec.get("automountServiceAccountToken"), role);

            String tmpVolume = list(container, "volumeMounts").stream()
                    .filter(m -> "/tmp".equals(m.get("mountPath")))
                    .map(m -> (String) m.get("name"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(role + " has no writable /tmp"));
            assertTrue(volume(podSpec, tmpVolume).containsKey("emptyDir"), role + ": /tmp is an emptyDir");

            for (String bound : List.of("requests", "limits")) {
                Map<String, Object> resources = at(container, "resources", bound);
                assertTrue(resources.containsKey("cpu") && resources.containsKey("memory"), role + " " + bound);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"single-node", "production"})
    void everyEnvironmentVariableIsASettingWithASource(String overlay) {
        Render render = render(overlay);
        Set<String> known = SETTINGS.environmentNames();
        for (String role : ROLES) {
            Map<String, EnvValue> env = render.env(role);
            Set<String> unknown = new TreeSet<>(env.keySet());
            unknown.removeAll(known);
            assertEquals(Set.of(), unknown, role + " sets variables the service does not read");

            Set<String> required = new LinkedHashSet<>(REQUIRED_EVERYWHERE);
            if (role.equals("consumer")) {
                required.add("PROVIDER_BASE_URL");
            }
            for (String name : required) {
                assertTrue(env.containsKey(name), role + " lacks " + name);
                assertFalse(env.get(name).value().isBlank(), role + ": " + name + " is empty");
            }
            assertEquals(role, env.get("ROLES").value());
            assertTrue(env.containsKey("DATABASE_PASSWORD_FILE"), role + " has no database password");
            if (role.equals("consumer")) {
                assertTrue(env.containsKey("PROVIDER_API_KEY_FILE"), "consumer has no biller key");
            }

            for (String secret : SETTINGS.secrets()) {
                EnvValue direct = env.get(secret);
                if (direct != null) {
                    assertEquals("secret", direct.source(), role + ": " + secret + " must come from a Secret");
                }
                EnvValue file = env.get(secret + "_FILE");
                if (file != null) {
                    assertMountedSecretFile(render, role, secret + "_FILE", file.value());
                }
            }
        }
        Map<String, Object> config = render.ofKind("ConfigMap").getFirst();
        for (String secret : SETTINGS.secrets()) {
            assertFalse(at(config, "data").containsKey(secret), secret + " in a ConfigMap");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"single-node", "production"})
    void portsMatchTheConfiguredPorts(String overlay) {
        Render render = render(overlay);
        for (String role : ROLES) {
            Map<String, EnvValue> env = render.env(role);
            Map<String, Object> container = render.container(role);
            assertEquals(Integer.parseInt(env.get("HTTP_PORT").value()), containerPort(container, "http"), role);
            assertEquals(
                    Integer.parseInt(env.get("MANAGEMENT_PORT").value()), containerPort(container, "management"), role);
        }
        int http = Integer.parseInt(render.env("api").get("HTTP_PORT").value());
        int management =
                Integer.parseInt(render.env("api").get("MANAGEMENT_PORT").value());
        Map<String, Object> apiService = render.find("Service", "wallet-outbox-api");
        Object apiTarget = list(apiService.get("spec"), "ports").getFirst().get("targetPort");
        assertEquals(http, containerPort(render.container("api"), apiTarget));
        Map<String, Object> managementService = render.find("Service", "wallet-outbox-management");
        assertEquals("None", at(managementService, "spec").get("clusterIP"));
        Map<String, Object> managementPort =
                list(managementService.get("spec"), "ports").getFirst();
        assertEquals(management, containerPort(render.container("relay"), managementPort.get("targetPort")));

        Map<String, Object> monitor = render.find("ServiceMonitor", "wallet-outbox");
        assertEquals(
                at(managementService, "metadata", "labels"),
                withPartOf(at(monitor, "spec", "selector", "matchLabels")));
        assertEquals(
                managementPort.get("name"),
                list(monitor.get("spec"), "endpoints").getFirst().get("port"));
        assertEquals(
                "/metrics", list(monitor.get("spec"), "endpoints").getFirst().get("path"));

        // The public port to anyone, on api pods only; the management port only from the monitoring namespace.
        for (Map<String, Object> policy : render.ofKind("NetworkPolicy")) {
            Map<String, Object> spec = at(policy, "spec");
            for (Map<String, Object> rule : list(spec, "ingress")) {
                List<Object> ports =
                        list(rule, "ports").stream().map(p -> p.get("port")).collect(Collectors.toList());
                if (ports.equals(List.of("http"))) {
                    assertEquals("api", at(spec, "podSelector", "matchLabels").get("app.kubernetes.io/component"));
                } else {
                    assertEquals(List.of("management"), ports, describe(policy));
                    List<Map<String, Object>> from = list(rule, "from");
                    assertEquals(1, from.size(), describe(policy));
                    assertEquals(
                            "monitoring",
                            at(from.getFirst(), "namespaceSelector", "matchLabels")
                                    .get("kubernetes.io/metadata.name"));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"single-node", "production"})
    void secretsAreReferencedNeverInline(String overlay) throws IOException {
        Render render = render(overlay);
        for (Map<String, Object> secret : render.ofKind("Secret")) {
            assertTrue(at(secret, "data").isEmpty() && at(secret, "stringData").isEmpty(), describe(secret));
        }
        String operations = Files.readString(ROOT.resolve("docs/operations.md"));
        OPERATOR_SECRETS.forEach((name, keys) -> {
            assertTrue(operations.contains(name), "docs/operations.md does not name the Secret " + name);
            keys.forEach(key -> assertTrue(operations.contains(key), "docs/operations.md does not name " + key));
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"single-node", "production"})
    void topicsAndReplicasFitTheOverlay(String overlay) {
        Render render = render(overlay);
        Map<String, EnvValue> env = render.env("api");
        boolean production = overlay.equals("production");
        assertEquals(production ? "3" : "1", env.get("TOPIC_REPLICATION_FACTOR").value());
        assertEquals(
                production ? "2" : "1", env.get("TOPIC_MIN_INSYNC_REPLICAS").value());
        for (String role : ROLES) {
            Map<String, Object> spec = at(render.deployment(role), "spec");
            // the api's count is its autoscaler's (DeployHardeningTest): its minimum stands for it here
            int replicas = role.equals("api")
                    ? (int) at(render.find("HorizontalPodAutoscaler", "wallet-outbox-api"), "spec")
                            .get("minReplicas")
                    : (int) spec.get("replicas");
            assertTrue(production ? replicas >= 2 : replicas == 1, role + " replicas " + replicas);
            boolean spread = at(spec, "template", "spec").containsKey("topologySpreadConstraints");
            assertEquals(production, spread, role + " topology spread");
        }
        int partitions = Integer.parseInt(env.get("TOPIC_PARTITIONS").value());
        assertTrue((int) at(render.deployment("consumer"), "spec").get("replicas") <= partitions);
    }

    @Test
    void productionRunsEachRoleAsItsOwnKafkaPrincipalAndProvisionsTopicsInAJob() {
        Render render = render("production");
        Map<String, String> jaas = new HashMap<>();
        for (String role : ROLES) {
            Map<String, EnvValue> env = render.env(role);
            assertEquals("verify", env.get("TOPIC_PROVISIONING").value(), role);
            if (role.equals("api")) {
                Set<String> kafka = new TreeSet<>(env.keySet());
                kafka.retainAll(KAFKA_CLIENT_SETTINGS);
                assertEquals(Set.of(), kafka, "the api needs no Kafka credentials");
            } else {
                assertEquals("SASL_SSL", env.get("KAFKA_SECURITY_PROTOCOL").value(), role);
                jaas.put(role, env.get("KAFKA_SASL_JAAS_CONFIG_FILE").value());
            }
        }
        assertEquals(2, Set.copyOf(jaas.values()).size(), "relay and consumer share a principal: " + jaas);
        assertEquals(
                "/health/ready",
                at(render.container("api"), "readinessProbe", "httpGet").get("path"));

        Map<String, Object> job = render.find("Job", "wallet-outbox-provision-topics");
        assertNotNull(job, "production has no provision-topics Job");
        Map<String, Object> podSpec = at(job, "spec", "template", "spec");
        List<Map<String, Object>> containers = list(podSpec, "containers");
        assertEquals(1, containers.size());
        Map<String, Object> container = containers.getFirst();
        assertEquals(List.of("provision-topics"), container.get("args"));
        assertEquals(at(render.container("relay")).get("image"), container.get("image"));
        assertEquals(false, at(container, "securityContext").get("allowPrivilegeEscalation"));
        assertEquals(true, at(container, "securityContext").get("readOnlyRootFilesystem"));
        Map<String, String> env = new HashMap<>();
        for (Map<String, Object> variable : list(container, "env")) {
            env.put((String) variable.get("name"), String.valueOf(variable.get("value")));
        }
        assertTrue(
                SETTINGS.environmentNames().containsAll(env.keySet()),
                env.keySet().toString());
        String adminJaas = env.get("KAFKA_SASL_JAAS_CONFIG_FILE");
        assertFalse(jaas.containsValue(adminJaas), "the admin's credentials are the Job's alone");
        String dir = adminJaas.substring(0, adminJaas.lastIndexOf('/'));
        Map<String, Object> mount = list(container, "volumeMounts").stream()
                .filter(m -> dir.equals(m.get("mountPath")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the admin JAAS file is on no mount"));
        Map<String, Object> secret = at(volume(podSpec, (String) mount.get("name")), "secret");
        render.assertSecretKeyExists((String) secret.get("secretName"), "jaas", "provision-topics admin JAAS");
        assertEquals("wallet-outbox-kafka-admin", secret.get("secretName"));
    }

    @Test
    void composeRunsKafkaWithSaslSslAclsAndAPrincipalPerRole() throws IOException {
        Map<String, Object> compose = asMap(load(Files.readString(DEPLOY.resolve("compose.yaml"))));
        Map<String, Object> services = at(compose, "services");
        for (int node = 1; node <= 3; node++) {
            Map<String, Object> env = at(services, "kafka-" + node, "environment");
            assertTrue(String.valueOf(env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"))
                    .contains("CLIENT:SASL_SSL"));
            assertEquals(
                    "org.apache.kafka.metadata.authorizer.StandardAuthorizer", env.get("KAFKA_AUTHORIZER_CLASS_NAME"));
            assertEquals("false", env.get("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"));
            assertTrue(String.valueOf(env.get("KAFKA_SUPER_USERS")).contains("User:admin"));
        }
        String acls = Files.readString(DEPLOY.resolve("compose/kafka-acls.sh"));
        for (String principal : List.of("User:relay", "User:consumer")) {
            assertTrue(acls.contains(principal), "kafka-acls.sh grants nothing to " + principal);
        }
        assertFalse(acls.contains("User:api"), "the api has no Kafka principal");
        assertEquals(
                List.of("provision-topics"), at(services, "provision-topics").get("command"));
        assertTrue(
                String.valueOf(at(services, "provision-topics", "environment").get("KAFKA_SASL_JAAS_CONFIG_FILE"))
                        .endsWith("kafka_admin_jaas"));
        Map<String, String> jaas = new HashMap<>();
        for (String role : ROLES) {
            Map<String, Object> env = at(services, role, "environment");
            assertEquals("verify", env.get("TOPIC_PROVISIONING"), role);
            Set<String> dependencies = at(services, role, "depends_on").keySet();
            if (role.equals("api")) {
                Set<String> kafka = new TreeSet<>(env.keySet());
                kafka.retainAll(KAFKA_CLIENT_SETTINGS);
                assertEquals(Set.of(), kafka, "the api needs no Kafka credentials");
                assertTrue(dependencies.stream().noneMatch(d -> d.startsWith("kafka")), "api waits for Kafka");
            } else {
                jaas.put(role, String.valueOf(env.get("KAFKA_SASL_JAAS_CONFIG_FILE")));
                assertTrue(dependencies.containsAll(List.of("kafka-acls", "provision-topics")), role);
            }
        }
        assertEquals("/run/secrets/kafka_relay_jaas", jaas.get("relay"));
        assertEquals("/run/secrets/kafka_consumer_jaas", jaas.get("consumer"));
    }

    @Test
    void prometheusRuleIsTheAlertRulesFile() throws IOException {
        Object rules = load(Files.readString(ROOT.resolve("ops/prometheus/alerts.yml")));
        Map<String, Object> generated = asMap(load(Files.readString(DEPLOY.resolve("k8s/base/prometheus-rule.yaml"))));
        assertEquals(
                rules,
                generated.get("spec"),
                "ops/deploy/k8s/base/prometheus-rule.yaml is out of date: run ops/deploy/k8s/generate-prometheus-rule.sh");
        assertEquals(
                rules,
                render("production").find("PrometheusRule", "wallet-outbox").get("spec"));
    }

    @Test
    void composeStackRunsEveryPartFromOneImage() throws IOException {
        Map<String, Object> compose = asMap(load(Files.readString(DEPLOY.resolve("compose.yaml"))));
        Map<String, Object> services = at(compose, "services");
        assertTrue(
                services.keySet()
                        .containsAll(List.of(
                                "postgres",
                                "kafka-1",
                                "kafka-2",
                                "kafka-3",
                                "issuer",
                                "provider-sim",
                                "migrate",
                                "api",
                                "relay",
                                "consumer",
                                "prometheus",
                                "grafana")),
                services.keySet().toString());
        assertTrue(String.valueOf(at(services, "postgres").get("command")).contains("wal_level=logical"));
        for (int node = 1; node <= 3; node++) {
            Map<String, Object> env = at(services, "kafka-" + node, "environment");
            assertEquals(String.valueOf(node), env.get("KAFKA_NODE_ID"));
            assertEquals("false", env.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE"));
            assertEquals("3", env.get("KAFKA_DEFAULT_REPLICATION_FACTOR"));
            assertEquals("2", env.get("KAFKA_MIN_INSYNC_REPLICAS"));
            assertEquals(
                    3, String.valueOf(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).split(",").length);
        }
        Map<String, Object> topSecrets = at(compose, "secrets");
        Object image = at(services, "api").get("image");
        for (String name : List.of("issuer", "provider-sim", "migrate", "api", "relay", "consumer")) {
            Map<String, Object> service = at(services, name);
            // The production image has no development issuer: the issuer alone runs the development target.
            String target = name.equals("issuer") ? "development" : "production";
            assertEquals(target, at(service, "build").get("target"), name);
            assertEquals(
                    name.equals("issuer"), !image.equals(service.get("image")), name + ": " + service.get("image"));
            assertEquals("ops/deploy/Dockerfile", at(service, "build").get("dockerfile"));
            assertTrue(Files.isRegularFile(
                    DEPLOY.resolve(String.valueOf(at(service, "build").get("context")))
                            .resolve("ops/deploy/Dockerfile")));
            assertEquals(true, service.get("read_only"), name);
            assertEquals(List.of("/tmp"), service.get("tmpfs"), name);
            assertEquals(dockerfileUser() + ":" + dockerfileUser(), service.get("user"), name);
        }
        for (String role : ROLES) {
            Map<String, Object> service = at(services, role);
            Map<String, Object> env = at(service, "environment");
            Set<String> unknown = new TreeSet<>(env.keySet());
            unknown.removeAll(SETTINGS.environmentNames());
            assertEquals(Set.of(), unknown, role + " sets variables the service does not read");
            assertTrue(env.keySet().containsAll(REQUIRED_EVERYWHERE), role);
            assertEquals(role, env.get("ROLES"));
            if (role.equals("consumer")) {
                assertTrue(env.containsKey("PROVIDER_BASE_URL"));
            }
            for (String secret : SETTINGS.secrets()) {
                assertFalse(env.containsKey(secret), role + ": " + secret + " inline; use " + secret + "_FILE");
                Object file = env.get(secret + "_FILE");
                if (file != null) {
                    String secretName = String.valueOf(file).replaceFirst("^/run/secrets/", "");
                    assertTrue(values(service, "secrets").contains(secretName), role + " " + file);
                    assertTrue(topSecrets.containsKey(secretName), role + " " + file);
                }
            }
            String prometheus = Files.readString(DEPLOY.resolve("compose/prometheus.yml"));
            // A role in another service's network namespace is reached by that service's name.
            String host =
                    String.valueOf(service.getOrDefault("network_mode", role)).replaceFirst("^service:", "");
            assertTrue(prometheus.contains(host + ":" + env.get("MANAGEMENT_PORT")), "Prometheus scrapes " + role);
            // Outside embedded mode an http issuer is refused unless on loopback (AppConfig: exit code 2).
            String issuer = String.valueOf(env.get("AUTH_ISSUER"));
            assertTrue(
                    issuer.startsWith("https://") || issuer.matches("http://(localhost|127\\.0\\.0\\.1)(:\\d+)?/?"),
                    role + ": AUTH_ISSUER " + issuer);
        }
        // Bind mounts name files of the repository (the secrets are generated: ops/deploy/compose/secrets.sh).
        for (Object value : services.values()) {
            for (Object volume : values(value, "volumes")) {
                String source = String.valueOf(volume).split(":")[0];
                if (source.startsWith(".")) {
                    assertTrue(Files.exists(DEPLOY.resolve(source)), "compose mounts missing " + source);
                }
            }
        }
        assertTrue(values(at(services, "prometheus"), "volumes")
                .contains("../prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro"));
    }

    @Test
    void composeExportsTracesToJaegerAndGrafanaLinksExemplarsToIt() throws IOException {
        Map<String, Object> services = at(load(Files.readString(DEPLOY.resolve("compose.yaml"))), "services");
        Map<String, Object> jaeger = at(services, "jaeger");
        String image = String.valueOf(jaeger.get("image"));
        assertTrue(image.matches("jaegertracing/jaeger:\\d+\\.\\d+\\.\\d+"), "Jaeger pinned to a release: " + image);
        assertTrue(values(jaeger, "ports").contains("127.0.0.1:16686:16686"), "Jaeger's UI on loopback");
        assertTrue(
                String.valueOf(jaeger.get("command")).contains("receivers.otlp.protocols.http.endpoint=0.0.0.0:4318"),
                "OTLP/HTTP reachable from the other containers");
        for (String role : ROLES) {
            assertEquals(
                    "http://jaeger:4318",
                    at(services, role, "environment").get("OTEL_EXPORTER_OTLP_ENDPOINT"),
                    role + " exports its spans to Jaeger");
        }
        assertTrue(
                values(at(services, "prometheus"), "command").contains("--enable-feature=exemplar-storage"),
                "Prometheus keeps exemplars");
        assertTrue(values(at(services, "grafana"), "depends_on").contains("jaeger"));

        for (Path file : List.of(
                DEPLOY.resolve("compose/grafana-datasource.yml"),
                ROOT.resolve("ops/grafana/provisioning/datasources/prometheus.yml"))) {
            Map<String, Object> prometheus = list(load(Files.readString(file)), "datasources").stream()
                    .filter(source -> "prometheus".equals(source.get("type")))
                    .findFirst()
                    .orElseThrow();
            Map<String, Object> link = asMap(values(at(prometheus, "jsonData"), "exemplarTraceIdDestinations")
                    .getFirst());
            assertEquals("trace_id", link.get("name"), file + ": the exemplar label the service writes");
            assertEquals("wallet-outbox-jaeger", link.get("datasourceUid"), file.toString());
        }
        for (Path file : List.of(
                DEPLOY.resolve("compose/grafana-datasource.yml"),
                ROOT.resolve("ops/grafana/provisioning/datasources/jaeger.yml"))) {
            assertTrue(
                    list(load(Files.readString(file)), "datasources").stream()
                            .anyMatch(source -> "jaeger".equals(source.get("type"))
                                    && "wallet-outbox-jaeger".equals(source.get("uid"))),
                    file + " provisions the Jaeger data source the exemplars link to");
        }
    }

    /**
     * The image's dependency layer packages the reactor from its poms alone, so it must copy the pom of every module
     * the root pom lists: a module added without its line there breaks the image build (Maven refuses a missing child
     * module), which no other test builds.
     */
    @Test
    void dockerfileDependencyLayerCopiesEveryModulesPom() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        var modules = java.util.regex.Pattern.compile("<module>([^<]+)</module>")
                .matcher(pom)
                .results()
                .map(m -> m.group(1))
                .toList();
        assertFalse(modules.isEmpty(), "no <module> in the root pom");
        String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
        var missing = new TreeSet<String>();
        for (String module : modules) {
            if (!dockerfile.contains("\nCOPY " + module + "/pom.xml " + module + "/\n")) {
                missing.add(module);
            }
        }
        assertEquals(Set.of(), missing, "ops/deploy/Dockerfile: add COPY <module>/pom.xml <module>/ for each");
    }

    @Test
    void dockerfileRunsTheJarAsANonRootUser() throws IOException {
        String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("ARG JDK_IMAGE=eclipse-temurin:25-jdk"));
        assertTrue(dockerfile.contains("ARG JRE_IMAGE=eclipse-temurin:25-jre"));
        assertTrue(dockerfile.contains("EXPOSE 8080 9090"));
        // The default target, the last stage, runs the jar without embedded infrastructure; the development target
        // (the compose stack's issuer) the full one.
        String production = dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
        assertTrue(production.startsWith("\nFROM runtime AS production\n"), production);
        assertTrue(production.contains("/out/wallet-outbox-production.jar /app/wallet-outbox-production.jar"));
        assertTrue(production.contains("ENTRYPOINT [\"java\", \"-jar\", \"/app/wallet-outbox-production.jar\"]"));
        assertFalse(production.contains("/app/wallet-outbox.jar"), production);
        assertTrue(dockerfile.contains("FROM runtime AS development\n"));
        assertTrue(dockerfile.contains("ENTRYPOINT [\"java\", \"-jar\", \"/app/wallet-outbox.jar\"]"));
        assertTrue(dockerfile.contains("HEALTHCHECK"));
        assertTrue(dockerfileUser() > 0);
        for (String module :
                List.of("embedded", "outbox", "relay", "relay-cdc", "wallet", "provider-client", "app", "ops")) {
            assertTrue(
                    dockerfile.contains("COPY " + module + "/pom.xml " + module + "/"),
                    "the dependency layer lacks " + module);
        }
    }

    @Test
    void healthCheckExitsZeroOnlyWhileLive(@TempDir Path classes) throws Exception {
        // As the Dockerfile does: javac in the build stage, the class alone on the JRE.
        Path javac = Path.of(javaCommand()).resolveSibling("javac");
        Process compile = new ProcessBuilder(
                        javac.toString(),
                        "--release",
                        "25",
                        "-d",
                        classes.toString(),
                        DEPLOY.resolve("HealthCheck.java").toString())
                .inheritIO()
                .start();
        assertTrue(compile.waitFor(60, TimeUnit.SECONDS), "javac did not end");
        assertEquals(0, compile.exitValue(), "ops/deploy/HealthCheck.java does not compile");
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> serveHealth(server));
            String base = "http://127.0.0.1:" + server.getLocalPort();
            assertEquals(0, runHealthCheck(classes, Map.of(), base + "/health/live"));
            assertEquals(1, runHealthCheck(classes, Map.of(), base + "/health/dead"));
            assertEquals(0, runHealthCheck(classes, Map.of("MANAGEMENT_PORT", String.valueOf(server.getLocalPort()))));
        }
        assertEquals(1, runHealthCheck(classes, Map.of(), "http://127.0.0.1:1/health/live"));
    }

    /** A minimal HTTP server: 200 for /health/live, 503 for anything else. */
    private static void serveHealth(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                var in = new java.io.BufferedReader(
                        new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                String requestLine = in.readLine();
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    // headers: ignored
                }
                boolean live = requestLine != null && requestLine.startsWith("GET /health/live ");
                String body = live ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}";
                String response = (live ? "HTTP/1.1 200 OK" : "HTTP/1.1 503 Service Unavailable")
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                        + "\r\nConnection: close\r\n\r\n" + body;
                socket.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static int runHealthCheck(Path classes, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(javaCommand(), "-cp", classes.toString(), "HealthCheck"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("MANAGEMENT_PORT");
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getInputStream().transferTo(System.out);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "HealthCheck did not end");
        return process.exitValue();
    }

    private static String javaCommand() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseGet(() ->
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static void assertMountedSecretFile(Render render, String role, String variable, String path) {
        Map<String, Object> container = render.container(role);
        Map<String, Object> podSpec = at(render.deployment(role), "spec", "template", "spec");
        for (Map<String, Object> mount : list(container, "volumeMounts")) {
            String dir = (String) mount.get("mountPath");
            if (!path.startsWith(dir + "/")) {
                continue;
            }
            Map<String, Object> secret = at(volume(podSpec, (String) mount.get("name")), "secret");
            assertFalse(secret.isEmpty(), role + ": " + variable + " is not on a secret volume");
            String file = path.substring(dir.length() + 1);
            String key = list(secret, "items").stream()
                    .filter(item -> file.equals(item.get("path")))
                    .map(item -> (String) item.get("key"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(role + ": no secret item for " + path));
            render.assertSecretKeyExists((String) secret.get("secretName"), key, role + " " + variable);
            return;
        }
        fail(role + ": " + variable + "=" + path + " is on no mounted volume");
    }

    private static Map<String, Object> withPartOf(Map<String, Object> labels) {
        Map<String, Object> copy = new LinkedHashMap<>(labels);
        copy.put("app.kubernetes.io/part-of", "wallet-outbox");
        return copy;
    }

    private static int containerPort(Map<String, Object> container, Object port) {
        if (port instanceof Integer number) {
            return number;
        }
        return list(container, "ports").stream()
                .filter(p -> Objects.equals(port, p.get("name")))
                .map(p -> (Integer) p.get("containerPort"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + port));
    }

    private static Map<String, Object> volume(Map<String, Object> podSpec, String name) {
        return list(podSpec, "volumes").stream()
                .filter(v -> name.equals(v.get("name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static int dockerfileUser() {
        try {
            Matcher user =
                    Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(Files.readString(DEPLOY.resolve("Dockerfile")));
            assertTrue(user.find(), "the Dockerfile names no numeric USER uid:gid");
            return Integer.parseInt(user.group(1));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Render render(String overlay) {
        return RENDERS.computeIfAbsent(overlay, DeployManifestsTest::renderNow);
    }

    private static Render renderNow(String overlay) {
        Path dir = DEPLOY.resolve("k8s/overlays").resolve(overlay);
        String kubectl = kubectl();
        try {
            Process process = new ProcessBuilder(kubectl, "kustomize", dir.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize did not end");
            assertEquals(0, process.exitValue(), "kubectl kustomize " + dir + " failed");
            List<Map<String, Object>> objects = new ArrayList<>();
            for (Object document : yaml().loadAll(out)) {
                if (document != null) {
                    objects.add(asMap(document));
                }
            }
            return new Render(objects);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + kubectl + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** kubectl from the PATH; its absence fails the test (CI renders every overlay: see docs/operations.md). */
    private static String kubectl() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        if (Files.isExecutable(Path.of("/usr/bin/kubectl"))) {
            return "/usr/bin/kubectl";
        }
        throw new AssertionError("kubectl is not installed: the Kubernetes manifests cannot be rendered. Install"
                + " kubectl (it renders Kustomize offline; no cluster needed) and run the test again.");
    }

    static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    private static Object load(String text) {
        return yaml().load(text);
    }

    private static String describe(Map<String, Object> object) {
        return object.get("kind") + "/" + at(object, "metadata").get("name");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object value) {
        if (value == null) {
            return Map.of();
        }
        assertTrue(value instanceof Map, "not a mapping: " + value);
        return (Map<String, Object>) value;
    }

    /** The mapping at the path, or an empty one when a step is absent. */
    static Map<String, Object> at(Object root, String... path) {
        Object value = root;
        for (String step : path) {
            value = asMap(value).get(step);
        }
        return asMap(value);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Object root, String key) {
        Object value = asMap(root).get(key);
        if (value == null) {
            return List.of();
        }
        assertTrue(value instanceof List, key + " is not a list");
        return ((List<Object>) value).stream().map(DeployManifestsTest::asMap).toList();
    }

    @SuppressWarnings("unchecked")
    static List<Object> values(Object root, String key) {
        Object value = asMap(root).get(key);
        return value == null ? List.of() : (List<Object>) value;
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("ops/deploy/k8s"))) {
            dir = dir.getParent();
        }
        assertNotNull(dir, "no ops/deploy/k8s above the working directory");
        return dir;
    }

    /** A variable's value and where it came from: {@code literal}, {@code configmap} or {@code secret}. */
    record EnvValue(String value, String source) {}

    record Render(List<Map<String, Object>> objects) {
        List<Map<String, Object>> ofKind(String kind) {
            return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
        }

        Map<String, Object> find(String kind, String name) {
            return ofKind(kind).stream()
                    .filter(o -> name.equals(at(o, "metadata").get("name")))
                    .findFirst()
                    .orElse(null);
        }

        Map<String, Object> deployment(String role) {
            Map<String, Object> deployment = find("Deployment", "wallet-outbox-" + role);
            assertNotNull(deployment, "no Deployment for " + role);
            return deployment;
        }

        Map<String, Object> container(String role) {
            List<Map<String, Object>> containers = list(at(deployment(role), "spec", "template", "spec"), "containers");
            assertEquals(1, containers.size(), role);
            return containers.getFirst();
        }

        /** The container's environment as the kubelet builds it: envFrom first, then env; every reference resolved. */
        Map<String, EnvValue> env(String role) {
            Map<String, Object> container = container(role);
            Map<String, EnvValue> env = new LinkedHashMap<>();
            for (Map<String, Object> from : list(container, "envFrom")) {
                Map<String, Object> configRef = at(from, "configMapRef");
                Map<String, Object> secretRef = at(from, "secretRef");
                if (!configRef.isEmpty()) {
                    Map<String, Object> data = configMapData((String) configRef.get("name"), role);
                    data.forEach((k, v) -> env.put(k, new EnvValue(String.valueOf(v), "configmap")));
                } else if (!secretRef.isEmpty()) {
                    fail(role + ": envFrom a Secret hides which secret settings are set; use …_FILE mounts");
                } else {
                    fail(role + ": envFrom neither a ConfigMap nor a Secret");
                }
            }
            for (Map<String, Object> variable : list(container, "env")) {
                String name = (String) variable.get("name");
                Map<String, Object> from = at(variable, "valueFrom");
                if (variable.containsKey("value")) {
                    env.put(name, new EnvValue(String.valueOf(variable.get("value")), "literal"));
                } else if (!at(from, "configMapKeyRef").isEmpty()) {
                    Map<String, Object> ref = at(from, "configMapKeyRef");
                    Object value = configMapData((String) ref.get("name"), role).get(ref.get("key"));
                    assertNotNull(value, role + ": " + name + " names a missing ConfigMap key " + ref);
                    env.put(name, new EnvValue(String.valueOf(value), "configmap"));
                } else if (!at(from, "secretKeyRef").isEmpty()) {
                    Map<String, Object> ref = at(from, "secretKeyRef");
                    assertSecretKeyExists((String) ref.get("name"), (String) ref.get("key"), role + " " + name);
                    env.put(name, new EnvValue("<secret>", "secret"));
                } else {
                    fail(role + ": " + name + " has no value and no ConfigMap or Secret reference");
                }
            }
            return env;
        }

        Map<String, Object> configMapData(String name, String role) {
            Map<String, Object> configMap = find("ConfigMap", name);
            assertNotNull(configMap, role + " refers to a ConfigMap missing from the render: " + name);
            return at(configMap, "data");
        }

        void assertSecretKeyExists(String name, String key, String where) {
            Map<String, Object> secret = find("Secret", name);
            if (secret != null) {
                fail(where + ": Secret " + name + " is in the manifests; secrets are created by the operator");
            }
            Set<String> keys = OPERATOR_SECRETS.get(name);
            assertNotNull(keys, where + ": Secret " + name + " is neither rendered nor documented");
            assertTrue(keys.contains(key), where + ": Secret " + name + " has no documented key " + key);
        }
    }

    /**
     * The service's settings, read from the constants of the app's {@code Setting} enum in its source, and the
     * standard OpenTelemetry variables it reads ({@code otel}: the first column of docs/tracing.md's variables table).
     */
    private record Settings(Set<String> names, Set<String> secrets, Set<String> otel) {
        /** Every variable the service reads: each setting, {@code NAME_FILE} for each secret one, the OTEL_* ones. */
        Set<String> environmentNames() {
            Set<String> all = new TreeSet<>(names);
            secrets.forEach(secret -> all.add(secret + "_FILE"));
            all.addAll(otel);
            return all;
        }

        static Settings read(Path source, Path tracingDoc) {
            Set<String> otel = new TreeSet<>();
            try {
                Matcher row = Pattern.compile("(?m)^\\| `(OTEL_[A-Z_]+)` \\|").matcher(Files.readString(tracingDoc));
                while (row.find()) {
                    otel.add(row.group(1));
                }
            } catch (IOException e) {
                throw new AssertionError("cannot read the OpenTelemetry variables from " + tracingDoc, e);
            }
            assertTrue(otel.contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "no | `OTEL_…` | rows in " + tracingDoc);
            Settings settings = read(source);
            return new Settings(settings.names(), settings.secrets(), otel);
        }

        static Settings read(Path source) {
            String text;
            try {
                text = Files.readString(source);
            } catch (IOException e) {
                throw new AssertionError("cannot read the service's settings from " + source, e);
            }
            int start = text.indexOf("enum Setting {");
            assertTrue(start >= 0, "no enum Setting in " + source);
            Set<String> names = new LinkedHashSet<>();
            Set<String> secrets = new LinkedHashSet<>();
            int i = start + "enum Setting {".length();
            // Constants up to the first ';' outside strings and parentheses: NAME(args…), NAME(args…), …;
            while (true) {
                i = skipSpace(text, i);
                if (text.charAt(i) == ';') {
                    break;
                }
                int nameEnd = i;
                while (Character.isJavaIdentifierPart(text.charAt(nameEnd))) {
                    nameEnd++;
                }
                String name = text.substring(i, nameEnd);
                assertTrue(name.matches("[A-Z][A-Z0-9_]*"), "unexpected text in enum Setting at " + name);
                i = skipSpace(text, nameEnd);
                assertEquals('(', text.charAt(i), "Setting " + name + " without arguments");
                int argsStart = i + 1;
                int depth = 0;
                StringBuilder code = new StringBuilder(); // the arguments without string literals
                for (; ; i++) {
                    char c = text.charAt(i);
                    if (c == '"') {
                        i++;
                        while (text.charAt(i) != '"') {
                            i += text.charAt(i) == '\\' ? 2 : 1;
                        }
                        code.append("\"\"");
                        continue;
                    }
                    if (c == '(') {
                        depth++;
                    } else if (c == ')' && --depth == 0) {
                        break;
                    }
                    if (i >= argsStart) {
                        code.append(c);
                    }
                }
                names.add(name);
                if (code.toString().replaceAll("\\s", "").endsWith(",true")) {
                    secrets.add(name);
                }
                i = skipSpace(text, i + 1);
                if (text.charAt(i) == ',') {
                    i++;
                }
            }
            return new Settings(Set.copyOf(names), Set.copyOf(secrets), Set.of());
        }

        /** Skips white space and comments. */
        private static int skipSpace(String text, int i) {
            while (true) {
                if (Character.isWhitespace(text.charAt(i))) {
                    i++;
                } else if (text.startsWith("//", i)) {
                    i = text.indexOf('\n', i);
                } else if (text.startsWith("/*", i)) {
                    i = text.indexOf("*/", i) + 2;
                } else {
                    return i;
                }
            }
        }
    }
}

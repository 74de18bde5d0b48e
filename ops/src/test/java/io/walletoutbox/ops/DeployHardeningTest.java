package io.walletoutbox.ops;

import static io.walletoutbox.ops.DeployManifestsTest.DEPLOY;
import static io.walletoutbox.ops.DeployManifestsTest.ROLES;
import static io.walletoutbox.ops.DeployManifestsTest.ROOT;
import static io.walletoutbox.ops.DeployManifestsTest.at;
import static io.walletoutbox.ops.DeployManifestsTest.list;
import static io.walletoutbox.ops.DeployManifestsTest.render;
import static io.walletoutbox.ops.DeployManifestsTest.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The deployment holds up (issue 21, item 5), checked on the rendered overlays beside {@link DeployManifestsTest}:
 * a pool per role whose connections fit {@code max_connections} at the autoscaler's maximum plus the rollout surge
 * (the budget table of docs/operations.md agrees with the render), the autoscaler alone owns the api's replicas,
 * base images pinned by digest, a {@code .dockerignore} that keeps secrets and documents out, {@code
 * sslmode=verify-full} in production, egress NetworkPolicies for DNS, PostgreSQL, Kafka, the issuer and the billers,
 * PDBs that let unhealthy pods go, an alert for a service Prometheus no longer sees at all, and the schema
 * migrated by a Job (compose: a one-shot) as the migration role, whose credentials no Deployment (no role) holds.
 */
class DeployHardeningTest {
    /** Connections PostgreSQL keeps for others than the service: superusers, migrations by hand, monitoring. */
    private static final int RESERVED_CONNECTIONS = 10;

    /** A row of the budget table: role | pods at most | pool | connections. */
    private static final Pattern BUDGET_ROW =
            Pattern.compile("(?m)^\\| `(api|relay|consumer)` \\| (\\d+) [^|]*\\| (\\d+) \\| (\\d+) \\|$");

    private static final Pattern MAX_CONNECTIONS = Pattern.compile("`max_connections` (?:is |= )?(\\d+)");

    @ParameterizedTest
    @ValueSource(strings = {"single-node", "production"})
    void poolsPerRoleFitMaxConnectionsAtTheMostPodsThereCanBe(String overlay) throws IOException {
        var render = render(overlay);
        Map<String, int[]> budget = new LinkedHashMap<>();
        int total = 0;
        for (String role : ROLES) {
            var env = render.env(role);
            assertNotNull(env.get("DATABASE_POOL_SIZE"), role + " sizes its own pool");
            assertEquals(
                    "literal", env.get("DATABASE_POOL_SIZE").source(), role + ": the pool is set on its Deployment");
            int pool = Integer.parseInt(env.get("DATABASE_POOL_SIZE").value());
            int pods = maxPods(render, role);
            budget.put(role, new int[] {pods, pool});
            total += pods * pool;
        }
        String docs = Files.readString(ROOT.resolve("docs/operations.md"));
        String section = section(docs, "Connection budget (`" + overlay + "`)");
        Matcher row = BUDGET_ROW.matcher(section);
        Set<String> documented = new TreeSet<>();
        while (row.find()) {
            int[] rendered = budget.get(row.group(1));
            String where = overlay + " budget row " + row.group(1);
            assertEquals(rendered[0], Integer.parseInt(row.group(2)), where + ": pods at most");
            assertEquals(rendered[1], Integer.parseInt(row.group(3)), where + ": pool");
            assertEquals(rendered[0] * rendered[1], Integer.parseInt(row.group(4)), where + ": connections");
            documented.add(row.group(1));
        }
        assertEquals(new TreeSet<>(ROLES), documented, overlay + ": the budget table has a row per role");
        Matcher max = MAX_CONNECTIONS.matcher(section);
        assertTrue(max.find(), overlay + ": the budget names max_connections");
        int maxConnections = Integer.parseInt(max.group(1));
        assertTrue(
                total + RESERVED_CONNECTIONS <= maxConnections,
                overlay + ": " + total + " connections + " + RESERVED_CONNECTIONS + " reserved > max_connections "
                        + maxConnections);
        assertTrue(section.contains("| total | | | " + total + " |"), overlay + ": the table's total is " + total);
    }

    @ParameterizedTest
    @ValueSource(strings = {"single-node", "production"})
    void theAutoscalerAloneOwnsTheApiReplicas(String overlay) {
        var render = render(overlay);
        assertFalse(
                at(render.deployment("api"), "spec").containsKey("replicas"),
                overlay + ": api replicas set in the Deployment fight the HorizontalPodAutoscaler");
        var hpa = at(render.find("HorizontalPodAutoscaler", "wallet-outbox-api"), "spec");
        assertTrue((int) hpa.get("maxReplicas") >= (int) hpa.get("minReplicas"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"single-node", "production"})
    void everyPdbLetsUnhealthyPodsBeEvicted(String overlay) {
        var pdbs = render(overlay).ofKind("PodDisruptionBudget");
        assertEquals(ROLES.size(), pdbs.size());
        for (var pdb : pdbs) {
            assertEquals("AlwaysAllow", at(pdb, "spec").get("unhealthyPodEvictionPolicy"), String.valueOf(pdb));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"single-node", "production"})
    void egressIsLimitedToDnsPostgresKafkaTheIssuerAndTheBillers(String overlay) {
        var render = render(overlay);
        for (String role : ROLES) {
            Map<String, Object> labels = at(render.deployment(role), "spec", "template", "metadata", "labels");
            Set<String> allowed = new TreeSet<>();
            boolean restricted = false;
            for (var policy : render.ofKind("NetworkPolicy")) {
                Map<String, Object> spec = at(policy, "spec");
                Map<String, Object> selector = at(spec, "podSelector", "matchLabels");
                boolean selects =
                        selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
                if (!selects || !values(spec, "policyTypes").contains("Egress")) {
                    continue;
                }
                restricted = true;
                for (var rule : list(spec, "egress")) {
                    assertTrue(rule.containsKey("ports"), "every egress rule names its ports: " + rule);
                    for (var port : list(rule, "ports")) {
                        allowed.add(port.get("protocol") + "/" + port.get("port"));
                    }
                }
            }
            assertTrue(restricted, overlay + " " + role + ": some policy restricts its egress");
            // DNS, PostgreSQL, https (the issuer; the consumer's billers); Kafka for the relay and the consumer only:
            // the api needs PostgreSQL alone (I10)
            for (String port : List.of("UDP/53", "TCP/53", "TCP/5432", "TCP/443")) {
                assertTrue(allowed.contains(port), overlay + " " + role + " may not reach " + port + ": " + allowed);
            }
            assertEquals(
                    !role.equals("api"),
                    allowed.contains("TCP/9092"),
                    overlay + " " + role + ": Kafka egress only where the role talks to Kafka: " + allowed);
        }
        var billers = render.find("NetworkPolicy", "wallet-outbox-egress-billers");
        assertNotNull(billers, "the billers have their own egress policy");
        assertEquals(
                "consumer",
                at(billers, "spec", "podSelector", "matchLabels").get("app.kubernetes.io/component"),
                "only the consumer calls billers");
        var dns = at(render.find("NetworkPolicy", "wallet-outbox-egress-dns"), "spec");
        assertFalse(list(list(dns, "egress").getFirst(), "to").isEmpty(), "DNS goes to kube-dns only");
    }

    @Test
    void productionTalksTlsToPostgresqlAndChecksItsCertificateAndName() {
        var render = render("production");
        for (String role : ROLES) {
            String url = render.env(role).get("DATABASE_URL").value();
            assertTrue(url.contains("sslmode=verify-full"), role + ": " + url);
            Matcher root = Pattern.compile("sslrootcert=([^&]+)").matcher(url);
            assertTrue(root.find(), role + ": a root certificate for verify-full: " + url);
            String file = root.group(1);
            boolean mounted = list(render.container(role), "volumeMounts").stream()
                    .anyMatch(m -> file.startsWith(m.get("mountPath") + "/"));
            assertTrue(mounted, role + ": " + file + " is on a mounted volume");
        }
    }

    @Test
    void theAlertRulesNoticeAServiceThatIsGoneFromPrometheus() throws IOException {
        String rules = Files.readString(ROOT.resolve("ops/prometheus/alerts.yml"));
        assertTrue(rules.contains("expr: absent(up{job=\"wallet-outbox\"})"), "an absent(up{…}) alert");
        Matcher name =
                Pattern.compile("- alert: (\\w+)\\n\\s+expr: absent\\(up").matcher(rules);
        assertTrue(name.find());
        String docs = Files.readString(ROOT.resolve("docs/operations.md"));
        assertTrue(docs.contains(name.group(1)), "docs/operations.md has a runbook for " + name.group(1));
    }

    @Test
    void baseImagesArePinnedByDigest() throws IOException {
        String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
        Matcher image = Pattern.compile("(?m)^ARG (\\w+_IMAGE)=(\\S+)$").matcher(dockerfile);
        int images = 0;
        while (image.find()) {
            images++;
            assertTrue(image.group(2).matches("[\\w./-]+:[\\w.-]+@sha256:[0-9a-f]{64}"), image.group(0));
        }
        assertEquals(2, images, "the build and the runtime base image");
        // Each stage starts from a pinned ARG or from a stage above it (the production and development targets
        // share the runtime stage).
        Set<String> stages = new TreeSet<>();
        Matcher from = Pattern.compile("(?m)^FROM (\\S+)(?: AS (\\S+))?").matcher(dockerfile);
        while (from.find()) {
            assertTrue(
                    from.group(1).startsWith("${") || stages.contains(from.group(1)),
                    "FROM through a pinned ARG or an earlier stage: " + from.group(0));
            if (from.group(2) != null) {
                stages.add(from.group(2));
            }
        }
    }

    @Test
    void theBuildContextLeavesOutSecretsAndDocuments() throws IOException {
        List<String> ignored = Files.readAllLines(ROOT.resolve(".dockerignore")).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
        for (String pattern :
                List.of(".git", "ops/deploy/compose/secrets", "**/*.pem", "**/*.key", "**/.env", "docs")) {
            assertTrue(ignored.contains(pattern), ".dockerignore lacks " + pattern);
        }
        assertFalse(ignored.stream().anyMatch(l -> l.startsWith("!")), "no exceptions that re-include files");
    }

    /** The most pods of {@code role} at once: the autoscaler's maximum or the replicas, plus the rollout's surge. */
    @ParameterizedTest
    @ValueSource(strings = {"single-node", "production"})
    void aJobMigratesAsTheMigrationRoleAndNoDeploymentHoldsItsCredentials(String overlay) {
        var render = render(overlay);
        Map<String, Object> job = render.find("Job", "wallet-outbox-migrate");
        assertNotNull(job, overlay + " has no migrate Job");
        assertNotNull(at(job, "spec").get("ttlSecondsAfterFinished"), "the next apply runs it again");
        Map<String, Object> podSpec = at(job, "spec", "template", "spec");
        List<Map<String, Object>> containers = list(podSpec, "containers");
        assertEquals(1, containers.size());
        Map<String, Object> container = containers.getFirst();
        assertEquals(List.of("migrate"), container.get("args"), "the jar's migrate one-shot");
        assertEquals(render.container("api").get("image"), container.get("image"), "the service's image");
        assertEquals(true, at(container, "securityContext").get("readOnlyRootFilesystem"));
        assertEquals(false, at(container, "securityContext").get("allowPrivilegeEscalation"));
        assertEquals(false, podSpec.get("automountServiceAccountToken"));

        // DATABASE_URL and DATABASE_USER (the role the groups are granted to) from the ConfigMap, as the roles.
        Map<String, String> env = new HashMap<>();
        for (Map<String, Object> from : list(container, "envFrom")) {
            String name = (String) at(from, "configMapRef").get("name");
            render.configMapData(name, "migrate").forEach((k, v) -> env.put(k, String.valueOf(v)));
        }
        for (Map<String, Object> variable : list(container, "env")) {
            assertTrue(variable.containsKey("value"), "migrate: " + variable + " is a literal or a mounted file");
            env.put((String) variable.get("name"), String.valueOf(variable.get("value")));
        }
        String runtimeUser = render.env("api").get("DATABASE_USER").value();
        assertEquals(runtimeUser, env.get("DATABASE_USER"), "migrate grants the groups to the roles' user");
        assertNotNull(env.get("DATABASE_MIGRATION_USER"), "migrate runs as the migration role");
        assertNotEquals(runtimeUser, env.get("DATABASE_MIGRATION_USER"), "the runtime role owns nothing");
        assertEquals(render.env("api").get("DATABASE_URL").value(), env.get("DATABASE_URL"));
        String passwordFile = env.get("DATABASE_MIGRATION_PASSWORD_FILE");
        assertNotNull(passwordFile, "the migration password comes from a mounted Secret");
        Map<String, Object> secret = mountedSecret(podSpec, container, passwordFile);
        assertEquals("wallet-outbox-migration", secret.get("secretName"), "the migration role's own Secret");
        String file = passwordFile.substring(passwordFile.lastIndexOf('/') + 1);
        String key = list(secret, "items").stream()
                .filter(item -> file.equals(item.get("path")))
                .map(item -> (String) item.get("key"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no item of the Secret is " + file));
        render.assertSecretKeyExists((String) secret.get("secretName"), key, "migrate password");
        // A CA the JDBC URL names (production: sslrootcert) is mounted here too.
        Matcher ca = Pattern.compile("sslrootcert=([^&]+)").matcher(env.get("DATABASE_URL"));
        if (ca.find()) {
            assertNotNull(mountedSecret(podSpec, container, ca.group(1)), "migrate lacks the CA " + ca.group(1));
        }

        for (String role : ROLES) {
            Set<String> migration = new TreeSet<>(render.env(role).keySet());
            migration.removeIf(name -> !name.startsWith("DATABASE_MIGRATION_"));
            assertEquals(Set.of(), migration, role + " runs as the runtime role alone");
            for (Map<String, Object> volume :
                    list(at(render.deployment(role), "spec", "template", "spec"), "volumes")) {
                assertNotEquals(
                        "wallet-outbox-migration",
                        at(volume, "secret").get("secretName"),
                        role + " mounts the migration credentials");
            }
        }
    }

    @Test
    void composeMigratesInAOneShotTheRolesWaitForWithoutItsCredentials() throws IOException {
        Map<String, Object> services = at(
                DeployManifestsTest.asMap(
                        DeployManifestsTest.yaml().load(Files.readString(DEPLOY.resolve("compose.yaml")))),
                "services");
        Map<String, Object> migrate = at(services, "migrate");
        assertEquals(List.of("migrate"), migrate.get("command"));
        assertEquals("no", String.valueOf(migrate.get("restart")), "a one-shot");
        Map<String, Object> env = at(migrate, "environment");
        String passwordFile = String.valueOf(env.get("DATABASE_MIGRATION_PASSWORD_FILE"));
        String passwordSecret = passwordFile.replaceFirst("^/run/secrets/", "");
        assertTrue(values(migrate, "secrets").contains(passwordSecret), passwordFile);
        assertEquals("service_healthy", at(migrate, "depends_on", "postgres").get("condition"));
        for (String role : ROLES) {
            Map<String, Object> service = at(services, role);
            Map<String, Object> roleEnv = at(service, "environment");
            assertEquals(roleEnv.get("DATABASE_URL"), env.get("DATABASE_URL"), role);
            assertEquals(roleEnv.get("DATABASE_USER"), env.get("DATABASE_USER"), role + ": the groups' grantee");
            assertNotEquals(env.get("DATABASE_MIGRATION_USER"), roleEnv.get("DATABASE_USER"), role);
            assertTrue(
                    roleEnv.keySet().stream().noneMatch(name -> name.startsWith("DATABASE_MIGRATION_")),
                    role + " runs as the runtime role alone");
            assertFalse(values(service, "secrets").contains(passwordSecret), role + " holds the migration password");
            assertEquals(
                    "service_completed_successfully",
                    at(service, "depends_on", "migrate").get("condition"),
                    role + " starts once the schema is migrated");
        }
    }

    /** The Secret volume of {@code podSpec} that {@code container} mounts at the directory of {@code file}. */
    private static Map<String, Object> mountedSecret(
            Map<String, Object> podSpec, Map<String, Object> container, String file) {
        String dir = file.substring(0, file.lastIndexOf('/'));
        String volume = list(container, "volumeMounts").stream()
                .filter(m -> dir.equals(m.get("mountPath")))
                .map(m -> (String) m.get("name"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(file + " is on no mount"));
        return list(podSpec, "volumes").stream()
                .filter(v -> volume.equals(v.get("name")))
                .map(v -> at(v, "secret"))
                .filter(secret -> !secret.isEmpty())
                .findFirst()
                .orElseThrow(() -> new AssertionError("the volume " + volume + " is no Secret"));
    }

    private static int maxPods(DeployManifestsTest.Render render, String role) {
        var deployment = render.deployment(role);
        var hpa = render.find("HorizontalPodAutoscaler", "wallet-outbox-" + role);
        int pods = hpa != null
                ? (int) at(hpa, "spec").get("maxReplicas")
                : (int) at(deployment, "spec").getOrDefault("replicas", 1);
        Object surge = at(deployment, "spec", "strategy", "rollingUpdate").getOrDefault("maxSurge", "25%");
        assertTrue(surge instanceof Integer, role + ": maxSurge as a number of pods, not " + surge);
        return pods + (int) surge;
    }

    private static String section(String docs, String heading) {
        int start = docs.indexOf(heading);
        assertTrue(start >= 0, "docs/operations.md has no section '" + heading + "'");
        int end = docs.indexOf("\n#", start);
        int next = docs.indexOf("Connection budget (", start + heading.length());
        int stop = next < 0 ? (end < 0 ? docs.length() : end) : Math.min(next, end < 0 ? docs.length() : end);
        return docs.substring(start, stop);
    }
}

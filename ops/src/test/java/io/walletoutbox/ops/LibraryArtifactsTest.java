package io.walletoutbox.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library artifacts that other teams use run on Java 21: every class file of every artifact the BOM
 * ({@code bom/pom.xml}) lists is at most class-file version 65. The artifacts are read from this module's test class
 * path (ops names each as a test dependency), so in a reactor build ({@code verify}, {@code install}) the jars are
 * checked that {@code package} has just built. The BOM lists each library module of the reactor at the project's
 * version, and pins the plugins it needs at the parent's versions (it has no parent, so that importing it brings no
 * other version).
 */
class LibraryArtifactsTest {
    private static final Path ROOT = DeployManifestsTest.ROOT;
    /** Java 21. */
    static final int MOST_MAJOR_VERSION = 65;

    private static final Pattern BOM_ENTRY = Pattern.compile(
            "<groupId>io\\.walletoutbox</groupId>\\s*<artifactId>([a-z-]+)</artifactId>\\s*<version>([^<]+)</version>");
    private static final Pattern MODULE_NAME = Pattern.compile("(?m)^\\s*(?:open\\s+)?module\\s+([a-z.]+)\\s*\\{");

    @Test
    void libraryClassFilesAreJava21() throws IOException {
        Map<String, Path> roots = libraryRootsOnClassPath();
        List<String> newer = new ArrayList<>();
        for (Map.Entry<String, Path> library : roots.entrySet()) {
            Map<String, Integer> versions = classFileVersions(library.getValue());
            assertFalse(versions.isEmpty(), library.getKey() + ": no class file in " + library.getValue());
            List<String> names = versions.entrySet().stream()
                    .filter(v -> v.getValue() > MOST_MAJOR_VERSION)
                    .map(v -> v.getKey() + " (major version " + v.getValue() + ")")
                    .toList();
            if (!names.isEmpty()) {
                newer.add(library.getKey() + " in " + library.getValue() + ": " + names.size() + " class files, "
                        + String.join(", ", names.subList(0, Math.min(3, names.size())))
                        + (names.size() > 3 ? ", …" : ""));
            }
        }
        assertEquals(
                List.of(),
                newer,
                "class files newer than Java 21 (" + MOST_MAJOR_VERSION + ") in the library artifacts; their poms set"
                        + " maven.compiler.release to ${library.release} (a jar from the local repository may be an older install:"
                        + " build the library modules in the same run, -am, or install them)");
    }

    @Test
    void bomListsTheLibraryModulesAtTheProjectVersion() throws IOException {
        String bom = Files.readString(ROOT.resolve("bom/pom.xml"));
        String parent = Files.readString(ROOT.resolve("pom.xml"));
        String projectVersion = firstGroup(
                Pattern.compile("<artifactId>wallet-outbox-parent</artifactId>\\s*<version>([^<]+)</version>"), parent);
        assertEquals(
                projectVersion,
                firstGroup(
                        Pattern.compile("<artifactId>wallet-outbox-bom</artifactId>\\s*<version>([^<]+)</version>"),
                        bom),
                "the BOM's version");
        List<String> listed = bomArtifacts();
        Matcher entry = BOM_ENTRY.matcher(managed(bom));
        while (entry.find()) {
            assertEquals("${project.version}", entry.group(2), entry.group(1) + "'s version in the BOM");
        }
        Matcher plugin = Pattern.compile("<artifactId>([a-z-]+-plugin)</artifactId><version>([^<]+)</version>")
                .matcher(bom);
        while (plugin.find()) {
            String property = firstGroup(
                    Pattern.compile(
                            "<artifactId>" + plugin.group(1) + "</artifactId>\\s*<version>\\$\\{([^}]+)}</version>"),
                    parent);
            assertEquals(
                    firstGroup(Pattern.compile("<" + Pattern.quote(property) + ">([^<]+)</"), parent),
                    plugin.group(2),
                    plugin.group(1) + "'s version in the BOM, against ${" + property + "} in the parent");
        }
        List<String> libraries = new ArrayList<>();
        for (String module : reactorModules(parent)) {
            Path pom = ROOT.resolve(module).resolve("pom.xml");
            if (Files.readString(pom).contains("<maven.compiler.release>${library.release}</maven.compiler.release>")) {
                libraries.add(module);
            }
        }
        Collections.sort(libraries);
        List<String> sortedListed = new ArrayList<>(listed);
        Collections.sort(sortedListed);
        assertEquals(libraries, sortedListed, "the BOM lists exactly the modules built for ${library.release}");
    }

    /**
     * The outbox core needs neither Jdbi nor Flyway nor Micrometer at run time (issue 24): its module descriptor, as
     * built, requires none of them but Flyway, and Flyway only {@code static} (schema migrations alone use it); the
     * Jdbi forms are in the adapter, which alone requires Jdbi (transitively: it is its API).
     */
    @Test
    void outboxCoreRequiresNoJdbiAndFlywayOnlyStatically() throws IOException {
        Map<String, ModuleDescriptor.Requires> core = requires("io.walletoutbox.outbox");
        assertFalse(core.containsKey("org.jdbi.v3.core"), "the outbox core requires Jdbi: " + core.values());
        assertFalse(core.containsKey("micrometer.core"), "the outbox core requires Micrometer: " + core.values());
        ModuleDescriptor.Requires flyway = core.get("flyway.core");
        assertTrue(
                flyway == null
                        || (flyway.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)
                                && !flyway.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE)),
                "the outbox core requires Flyway other than static: " + flyway);
        Map<String, ModuleDescriptor.Requires> adapter = requires("io.walletoutbox.outbox.jdbi");
        assertTrue(
                adapter.containsKey("org.jdbi.v3.core")
                        && adapter.get("org.jdbi.v3.core")
                                .modifiers()
                                .contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE),
                "the Jdbi adapter requires Jdbi transitively: " + adapter.values());
    }

    /**
     * The polling relay and the test kit need neither Jdbi nor Flyway at run time, and Micrometer only for the
     * relay's meter binder (issue 24): neither descriptor requires Jdbi, Flyway or the Jdbi adapter; the relay requires
     * Micrometer only {@code static}, the kit not at all (see also {@code RelayAloneIT}).
     */
    @Test
    void relayAndTestKitRequireNoJdbiAndMicrometerOnlyStatically() throws IOException {
        for (String module : List.of("io.walletoutbox.relay", "io.walletoutbox.outbox.testkit")) {
            Map<String, ModuleDescriptor.Requires> requires = requires(module);
            for (String absent : List.of("org.jdbi.v3.core", "io.walletoutbox.outbox.jdbi", "flyway.core")) {
                assertFalse(requires.containsKey(absent), module + " requires " + absent + ": " + requires.values());
            }
            ModuleDescriptor.Requires micrometer = requires.get("micrometer.core");
            assertTrue(
                    micrometer == null
                            || (micrometer.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)
                                    && !micrometer.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE)),
                    module + " requires Micrometer other than static: " + micrometer);
        }
    }

    /** The {@code requires} of module {@code name}, as compiled (its module-info.class on this test's class path). */
    private static Map<String, ModuleDescriptor.Requires> requires(String name) throws IOException {
        ClassLoader loader = LibraryArtifactsTest.class.getClassLoader();
        for (URL url : Collections.list(loader.getResources("module-info.class"))) {
            try (InputStream in = url.openStream()) {
                ModuleDescriptor descriptor = ModuleDescriptor.read(in);
                if (descriptor.name().equals(name)) {
                    Map<String, ModuleDescriptor.Requires> requires = new TreeMap<>();
                    descriptor.requires().forEach(r -> requires.put(r.name(), r));
                    return requires;
                }
            }
        }
        throw new AssertionError("module " + name + " is not on the test class path (ops/pom.xml names it)");
    }

    /** The jar or class directory on this test's class path that holds module {@code name}. */
    static Path moduleRoot(String name) throws IOException {
        ClassLoader loader = LibraryArtifactsTest.class.getClassLoader();
        for (URL url : Collections.list(loader.getResources("module-info.class"))) {
            try (InputStream in = url.openStream()) {
                if (ModuleDescriptor.read(in).name().equals(name)) {
                    return root(url);
                }
            }
        }
        throw new AssertionError("module " + name + " is not on the test class path (ops/pom.xml names it)");
    }

    /** Module name → the jar or class directory on this test's class path that holds it, for each BOM artifact. */
    private static Map<String, Path> libraryRootsOnClassPath() throws IOException {
        Map<String, String> wanted = new TreeMap<>();
        for (String artifact : bomArtifacts()) {
            String info = Files.readString(ROOT.resolve(artifact).resolve("src/main/java/module-info.java"));
            wanted.put(firstGroup(MODULE_NAME, info), artifact);
        }
        Map<String, Path> found = new TreeMap<>();
        ClassLoader loader = LibraryArtifactsTest.class.getClassLoader();
        for (URL url : Collections.list(loader.getResources("module-info.class"))) {
            String name;
            try (InputStream in = url.openStream()) {
                name = ModuleDescriptor.read(in).name();
            }
            if (wanted.containsKey(name)) {
                found.put(wanted.get(name) + " (" + name + ")", root(url));
            }
        }
        assertEquals(
                wanted.size(),
                found.size(),
                "library modules on the test class path " + found.keySet() + ", wanted " + wanted
                        + " (ops/pom.xml names each BOM artifact as a test dependency)");
        return found;
    }

    private static Path root(URL moduleInfo) throws IOException {
        try {
            if ("jar".equals(moduleInfo.getProtocol())) {
                JarURLConnection jar = (JarURLConnection) moduleInfo.openConnection();
                jar.setUseCaches(false);
                return Path.of(jar.getJarFileURL().toURI());
            }
            return Path.of(moduleInfo.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IOException(moduleInfo + ": " + e.getMessage(), e);
        }
    }

    /** Class file name → major version, for every class file in a jar or under a directory. */
    static Map<String, Integer> classFileVersions(Path root) throws IOException {
        Map<String, Integer> versions = new TreeMap<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> tree = Files.walk(root)) {
                for (Path file :
                        tree.filter(p -> p.toString().endsWith(".class")).toList()) {
                    try (InputStream in = Files.newInputStream(file)) {
                        versions.put(root.relativize(file).toString(), major(in, file.toString()));
                    }
                }
            }
        } else {
            try (JarFile jar = new JarFile(root.toFile())) {
                for (JarEntry e : Collections.list(jar.entries())) {
                    if (e.getName().endsWith(".class")) {
                        try (InputStream in = jar.getInputStream(e)) {
                            versions.put(e.getName(), major(in, root + "!" + e.getName()));
                        }
                    }
                }
            }
        }
        return versions;
    }

    private static int major(InputStream in, String where) throws IOException {
        DataInputStream data = new DataInputStream(in);
        if (data.readInt() != 0xCAFEBABE) {
            throw new IOException(where + " is not a class file");
        }
        data.readUnsignedShort(); // minor
        return data.readUnsignedShort();
    }

    private static List<String> bomArtifacts() {
        try {
            List<String> artifacts = new ArrayList<>();
            Matcher m = BOM_ENTRY.matcher(managed(Files.readString(ROOT.resolve("bom/pom.xml"))));
            while (m.find()) {
                artifacts.add(m.group(1));
            }
            assertFalse(artifacts.isEmpty(), "bom/pom.xml lists no io.walletoutbox artifact");
            return artifacts;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code <dependencyManagement>} part of a pom. */
    private static String managed(String pom) {
        return firstGroup(Pattern.compile("(?s)<dependencyManagement>(.*)</dependencyManagement>"), pom);
    }

    private static List<String> reactorModules(String parentPom) {
        List<String> modules = new ArrayList<>();
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(parentPom);
        while (m.find()) {
            modules.add(m.group(1));
        }
        assertTrue(modules.contains("bom"), "the reactor builds the BOM (<module>bom</module>)");
        return modules;
    }

    private static String firstGroup(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertTrue(m.find(), "no match for " + pattern);
        return m.group(1);
    }
}

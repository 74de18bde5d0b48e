package io.walletoutbox.app.internal.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The raw value of every setting given: {@code args} (flags) over {@code env}, secrets also from {@code NAME_FILE}
 * ({@code --name-file}). Blank environment values count as unset; values are trimmed, secrets are not.
 */
final class SettingValues {
    private final Map<Setting, String> values;

    private SettingValues(Map<Setting, String> values) {
        this.values = values;
    }

    /** Reads {@code env} and {@code args}; an unknown flag, a missing value or an unreadable file is refused. */
    static SettingValues read(Map<String, String> env, String[] args) {
        Map<Setting, String> values = new EnumMap<>(Setting.class);
        Map<Setting, String> files = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            String v = env.get(s.name());
            if (v != null && !v.isBlank()) {
                values.put(s, s.secret ? v : v.trim());
            }
            String file = s.secret ? env.get(s.name() + "_FILE") : null;
            if (file != null && !file.isBlank()) {
                files.put(s, file.trim());
            }
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            boolean fromFile = name.endsWith("-file") && byFlagOrNull(name) == null;
            Setting setting = fromFile ? byFlag(name.substring(0, name.length() - "-file".length())) : byFlag(name);
            if (fromFile && !setting.secret) {
                throw new ConfigException("unknown option " + name);
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new ConfigException(name + " needs a value");
                }
                value = args[++i];
            }
            if (fromFile) {
                files.put(setting, value.trim());
                values.remove(setting);
            } else {
                values.put(setting, setting.secret ? value : value.trim());
                files.remove(setting);
            }
        }
        for (var file : files.entrySet()) {
            if (values.containsKey(file.getKey())) {
                throw new ConfigException("set " + file.getKey() + " or " + file.getKey() + "_FILE, not both");
            }
            values.put(file.getKey(), readSecret(file.getKey(), file.getValue()));
        }
        return new SettingValues(values);
    }

    /** The value given for {@code s}, else its default. */
    String get(Setting s) {
        return values.getOrDefault(s, s.fallback);
    }

    /** The value given for {@code s}; empty when it was not given. */
    Optional<String> given(Setting s) {
        return Optional.ofNullable(values.get(s));
    }

    /** True when a value was given for {@code s}. */
    boolean isGiven(Setting s) {
        return values.containsKey(s);
    }

    private static String readSecret(Setting setting, String file) {
        try {
            String content = java.nio.file.Files.readString(Path.of(file));
            return content.endsWith("\n")
                    ? content.substring(0, content.length() - 1).stripTrailing()
                    : content;
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            throw new ConfigException(setting + "_FILE names a file that cannot be read: " + file);
        }
    }

    private static Setting byFlagOrNull(String flag) {
        return Arrays.stream(Setting.values())
                .filter(s -> s.flag().equals(flag))
                .findFirst()
                .orElse(null);
    }

    private static Setting byFlag(String flag) {
        return Arrays.stream(Setting.values())
                .filter(s -> s.flag().equals(flag))
                .findFirst()
                .orElseThrow(() -> new ConfigException("unknown option " + flag + " (options: "
                        + String.join(
                                ", ",
                                Arrays.stream(Setting.values())
                                        .map(Setting::flag)
                                        .toList()) + ")"));
    }
}

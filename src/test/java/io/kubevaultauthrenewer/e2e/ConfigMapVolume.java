package io.kubevaultauthrenewer.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A ConfigMap volume as the kubelet writes it (kubernetes pkg/volume/util/atomic_writer.go): the keys' files in a
 * timestamped directory {@code ..2026_12_01_10_00_00.123456789}, {@code ..data} a link to it, and each key a visible
 * link {@code key -> ..data/key} that never changes while the key exists.
 */
public final class ConfigMapVolume {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("'..'yyyy_MM_dd_HH_mm_ss'.123456789'");
    private static final String DATA = "..data";
    private static final String DATA_TMP = "..data_tmp";

    private final Path dir;
    private LocalDateTime written = LocalDateTime.of(2026, 12, 1, 10, 0, 0);

    private ConfigMapVolume(Path dir) {
        this.dir = dir;
    }

    /** The volume as mounted: the first payload written through the same sequence as every update. */
    public static ConfigMapVolume mount(Path dir, Map<String, String> data) {
        ConfigMapVolume volume = new ConfigMapVolume(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        volume.write(data, false);
        return volume;
    }

    /** An edit of the ConfigMap: its new data, every key, as the kubelet writes it at its next sync. */
    public void update(Map<String, String> data) {
        written = written.plusMinutes(1);
        write(data, true);
    }

    private void write(Map<String, String> data, boolean replace) {
        try {
            // (1) the directory the current data is in
            Path old = replace ? Files.readSymbolicLink(dir.resolve(DATA)) : null;
            // (2) every key into a new timestamped directory
            Path stamped = Files.createDirectory(dir.resolve(STAMP.format(written)));
            for (Map.Entry<String, String> key : data.entrySet()) {
                Files.writeString(stamped.resolve(key.getKey()), key.getValue());
            }
            // (3) the atomic switch: Symlink(ts, "..data_tmp"), Rename("..data_tmp", "..data")
            Path tmp = Files.createSymbolicLink(dir.resolve(DATA_TMP), stamped.getFileName());
            Files.move(tmp, dir.resolve(DATA), StandardCopyOption.ATOMIC_MOVE);
            // (4) the visible links: created for new keys, removed for dropped ones
            for (String key : data.keySet()) {
                Path visible = dir.resolve(key);
                if (!Files.isSymbolicLink(visible)) {
                    Files.createSymbolicLink(visible, Path.of(DATA, key));
                }
            }
            if (old != null) {
                try (Stream<Path> keys = Files.list(dir.resolve(old))) {
                    for (Path key : keys.toList()) {
                        if (!data.containsKey(key.getFileName().toString())) {
                            Files.delete(dir.resolve(key.getFileName()));
                        }
                    }
                }
                // (5) the old timestamped directory, last
                try (Stream<Path> tree = Files.walk(dir.resolve(old))) {
                    for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path dir() {
        return dir;
    }
}

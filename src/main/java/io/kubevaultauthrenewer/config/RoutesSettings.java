package io.kubevaultauthrenewer.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Route files from outside the image.
 *
 * @param dir ROUTES_DIR: a directory whose route files replace the built-in ones of the same name; null for none
 * @param reload ROUTES_RELOAD: true to reload route files from {@code dir} when they change
 */
public record RoutesSettings(Path dir, boolean reload) {

    static RoutesSettings read(SettingsReader r) {
        Path dir = r.path(Setting.ROUTES_DIR);
        if (dir != null && !Files.isDirectory(dir)) {
            r.problem("ROUTES_DIR=" + r.value(Setting.ROUTES_DIR).orElseThrow() + " is not a directory");
            dir = null;
        }
        boolean reload = r.flag(Setting.ROUTES_RELOAD);
        if (reload && dir == null) {
            r.problem("ROUTES_RELOAD=true needs ROUTES_DIR: the directory whose route files are watched");
        }
        return new RoutesSettings(dir, reload);
    }
}

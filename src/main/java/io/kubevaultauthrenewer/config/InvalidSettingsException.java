package io.kubevaultauthrenewer.config;

import java.util.List;

/**
 * One or more settings are wrong. Each problem is one line that names the variable (never its value when the value
 * is a secret), so that all of them can be fixed at once.
 */
public final class InvalidSettingsException extends RuntimeException {

    private final List<String> problems;

    public InvalidSettingsException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}

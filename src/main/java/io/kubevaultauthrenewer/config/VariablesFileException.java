package io.kubevaultauthrenewer.config;

/** The variables file could not be read or parsed. The message names the file and the line, never a value. */
public final class VariablesFileException extends Exception {

    public VariablesFileException(String message) {
        super(message);
    }
}

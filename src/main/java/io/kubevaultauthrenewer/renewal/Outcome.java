package io.kubevaultauthrenewer.renewal;

/** What a cycle did with the token or with one lease. */
public enum Outcome {
    /** Renewed, and it lives past the next check. */
    RENEWED,
    /** Looked up; it lives past the check after next, or cannot be renewed and was left alone. */
    NOT_DUE,
    /** Renewed, but Vault capped it: it will expire at a known time. */
    CAPPED,
    /** The lookup or the renewal failed. */
    FAILED,
    /** Not looked at: the token was rejected, so no call could succeed. */
    SKIPPED
}

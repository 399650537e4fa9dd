package io.kubevaultauthrenewer.renewal;

/**
 * What a message in the cycle queue asks for, beside a scheduled cycle (whose timer sends no body): one queue with
 * one consumer, so never two at once.
 */
public enum CycleRequest {
    /** An early check: what is due now (retries, short TTLs), and lease ids new in the variables file. */
    EARLY_CHECK,
    /** A cycle an operator asked for (renewNow() in JMX): every item not lost, planned waits or not. */
    RENEW_NOW
}

package dev.storagebuilder.common.storage;

/**
 * A key a batched delete did not delete, and why (S3 answers each key of a DeleteObjects request
 * on its own: a request that succeeded may still have refused some of its keys).
 */
public record FailedDelete(String key, String reason) {}

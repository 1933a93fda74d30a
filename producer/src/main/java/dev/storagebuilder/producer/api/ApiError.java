package dev.storagebuilder.producer.api;

/** The body of every error answer: {@code {"error": "what went wrong and what to do"}}. */
public record ApiError(String error) {}

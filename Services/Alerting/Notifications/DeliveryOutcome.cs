namespace ConnectorHealth.Alerting.Notifications;

/// <summary>
/// What one delivery attempt came to; <see cref="Final"/> when trying again cannot help. <see cref="RetryAfter"/> is
/// how long the receiver asked to be left alone (an HTTP <c>Retry-After</c>), when it said so.
/// </summary>
public sealed record DeliveryOutcome(bool Delivered, int? StatusCode, string? Error, bool Final = false, TimeSpan? RetryAfter = null);

namespace ConnectorHealth.Alerting.Notifications;

/// <summary>What one delivery attempt came to; <see cref="Final"/> when trying again cannot help.</summary>
public sealed record DeliveryOutcome(bool Delivered, int? StatusCode, string? Error, bool Final = false);

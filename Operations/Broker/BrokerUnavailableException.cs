namespace ConnectorHealth.Operations.Broker;

/// <summary>
/// The broker could not be reached, so a dead-letter store cannot answer. The system API turns it into a 503 with
/// Retry-After; the sampler into an unknown count.
/// </summary>
public sealed class BrokerUnavailableException(string message) : Exception(message);

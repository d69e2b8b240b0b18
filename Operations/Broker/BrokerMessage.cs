namespace ConnectorHealth.Operations.Broker;

/// <summary>A message read from a queue: its id (the AMQP message-id, else a hash of the body), headers and body.</summary>
public sealed record BrokerMessage(string Id, IReadOnlyDictionary<string, object?> Headers, ReadOnlyMemory<byte> Body);

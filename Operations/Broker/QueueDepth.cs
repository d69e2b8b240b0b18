namespace ConnectorHealth.Operations.Broker;

/// <summary>A queue's ready messages and attached consumers; <see cref="Exists"/> false when the queue was never declared.</summary>
public sealed record QueueDepth(bool Exists, long Messages, long Consumers)
{
    public static readonly QueueDepth Missing = new(false, 0, 0);
}

using System.Diagnostics;
using MassTransit;

namespace ConnectorHealth.Metrics.Ingest;

// The trace a message was published in.
internal static class MessageTraces
{
    // MassTransit carries the publisher's span as a W3C traceparent in this header; a batch runs under one activity
    // (the last message's), so each run's trace is read from its own message.
    private const string ActivityIdHeader = "MT-Activity-Id";

    public static string? TraceIdOf<T>(ConsumeContext<T> message, int batchLength) where T : class
    {
        if (message.Headers.Get<string>(ActivityIdHeader) is { } activityId
            && ActivityContext.TryParse(activityId, null, out var parent))
        {
            return parent.TraceId.ToHexString();
        }
        return batchLength == 1 ? Activity.Current?.TraceId.ToHexString() : null;
    }
}

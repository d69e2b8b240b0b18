using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Detection;
using ConnectorHealth.Drift.Publishing;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.ServiceDefaults;
using MassTransit;

namespace ConnectorHealth.Drift.Ingest;

/// <summary>
/// Takes runs in batches into the schema history and publishes the drift events they cause once the batch is
/// committed. A run delivered again changes nothing; an event whose publication fails here is published by
/// <see cref="DriftEventPublisher"/>.
/// </summary>
/// <remarks>A run that fails for its own content (it breaks the run definition, or the database refuses it) is set aside
/// alone in the error queue; its batch-mates are recorded.</remarks>
public sealed class RunCompletedConsumer(DriftProcessor processor, DriftEventPublisher publisher, BatchIsolation isolation)
    : IConsumer<Batch<RunCompleted>>
{
    public Task Consume(ConsumeContext<Batch<RunCompleted>> context) => isolation.ConsumeAsync(context, async messages =>
    {
        var result = await processor.ProcessAsync([.. messages.Select(m => m.Message)], context.CancellationToken);
        await publisher.PublishAsync(context, result.ToPublish, context.CancellationToken);
    });
}

using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Detection;
using ConnectorHealth.Drift.Publishing;
using ConnectorHealth.Operations.DeadLetters;
using MassTransit;

namespace ConnectorHealth.Drift.Ingest;

/// <summary>
/// Takes the dataset schemas of runs still in progress (streaming jobs send nothing else; Spark sends schemas when a run
/// starts) into the datasets' schema histories, as <see cref="RunCompletedConsumer"/> does for completed runs: a run's
/// dataset counts once, whichever of its messages shows it first.
/// </summary>
public sealed class RunInProgressConsumer(DriftProcessor processor, DriftEventPublisher publisher, BatchIsolation isolation)
    : IConsumer<Batch<RunInProgress>>
{
    public Task Consume(ConsumeContext<Batch<RunInProgress>> context) => isolation.ConsumeAsync(context, async messages =>
    {
        var result = await processor.ProcessAsync([.. messages.Select(m => m.Message)], context.CancellationToken);
        await publisher.PublishAsync(context, result.ToPublish, context.CancellationToken);
    });
}

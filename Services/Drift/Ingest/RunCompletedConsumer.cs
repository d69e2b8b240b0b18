using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.History;
using ConnectorHealth.Drift.Publishing;
using MassTransit;

namespace ConnectorHealth.Drift.Ingest;

/// <summary>
/// Takes runs in batches into the schema history and publishes the drift events they cause once the batch is
/// committed. A run delivered again changes nothing; an event whose publication fails here is published by
/// <see cref="DriftEventPublisher"/>.
/// </summary>
public sealed class RunCompletedConsumer(DriftProcessor processor, DriftEventPublisher publisher) : IConsumer<Batch<RunCompleted>>
{
    public async Task Consume(ConsumeContext<Batch<RunCompleted>> context)
    {
        var runs = new RunCompleted[context.Message.Length];
        for (var i = 0; i < runs.Length; i++)
        {
            runs[i] = context.Message[i].Message;
        }
        var result = await processor.ProcessAsync(runs, context.CancellationToken);
        await publisher.PublishAsync(context, result.ToPublish, context.CancellationToken);
    }
}

/// <summary>Batches of up to 100 runs, or whatever arrived within 50 ms of the first.</summary>
public sealed class RunCompletedConsumerDefinition : ConsumerDefinition<RunCompletedConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RunCompletedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(100)
            .SetTimeLimit(TimeSpan.FromMilliseconds(50))
            .SetConcurrencyLimit(2));
    }
}

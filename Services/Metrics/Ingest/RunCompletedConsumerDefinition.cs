using MassTransit;

namespace ConnectorHealth.Metrics.Ingest;

// Batches of up to 100 runs, or whatever arrived within 100 ms of the first.
public sealed class RunCompletedConsumerDefinition : ConsumerDefinition<RunCompletedConsumer>
{
    public const int MessageLimit = 100;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RunCompletedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(MessageLimit)
            .SetTimeLimit(TimeSpan.FromMilliseconds(100))
            .SetConcurrencyLimit(2));
    }
}

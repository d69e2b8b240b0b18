using ConnectorHealth.ServiceDefaults.Pipeline;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class PipelineExtensions
{
    /// <summary>
    /// Records the queue name of every receive endpoint MassTransit configures, so that the pipeline state knows each
    /// consumer queue and its <c>_error</c> queue. Call inside <c>AddMassTransit</c>.
    /// </summary>
    public static IBusRegistrationConfigurator RecordReceiveEndpoints(this IBusRegistrationConfigurator bus)
    {
        bus.AddConfigureEndpointsCallback((context, queue, _) => context.GetRequiredService<ReceiveEndpoints>().Register(queue));
        return bus;
    }

    /// <summary>
    /// Registers the pipeline's own state for a service: the broker admin (its own connection from
    /// <paramref name="broker"/>), one dead-letter store per receive endpoint's error queue, the last-consumed and in-flight observers,
    /// the background sampler, the health checks (stalled consumers, growing dead-letter stores, stuck publish backlog;
    /// tag "ready") and what <c>MapSystemApi</c> serves. Options: section <c>Pipeline</c> (<see cref="PipelineOptions"/>).
    /// </summary>
    public static TBuilder AddPipelineState<TBuilder>(this TBuilder builder, string serviceName, Uri broker)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PipelineOptions>, PipelineOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new PipelineService(serviceName));
        services.AddSingleton(sp => new RabbitMqBrokerAdmin(broker, sp.GetRequiredService<ILogger<RabbitMqBrokerAdmin>>()));
        services.AddSingleton<ReceiveEndpoints>();
        services.AddSingleton<PipelineMonitor>();
        services.AddSingleton<DeadLetterStores>();
        services.AddSingleton<SystemStateReader>();
        services.AddSingleton<LastConsumedObserver>();
        services.AddReceiveObserver(sp => sp.GetRequiredService<LastConsumedObserver>());
        services.AddSingleton<InFlightDeliveries>();
        services.AddReceiveObserver(sp => sp.GetRequiredService<InFlightDeliveries>());
        services.AddHostedService<PipelineSampler>();
        services.AddHealthChecks()
            .AddCheck<ConsumersHealthCheck>(ConsumersHealthCheck.Name, tags: ["ready"])
            .AddCheck<DeadLetterGrowthHealthCheck>(DeadLetterGrowthHealthCheck.Name, tags: ["ready"])
            .AddCheck<PublishBacklogHealthCheck>(PublishBacklogHealthCheck.Name, tags: ["ready"])
            .AddCheck<InFlightHealthCheck>(InFlightHealthCheck.Name, tags: ["ready"]);
        return builder;
    }
}

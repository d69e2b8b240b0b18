using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.Operations.PipelineHealth;

namespace ConnectorHealth.Runner.Publishing;

internal static class PublishingServices
{
    /// <summary>
    /// The way finished runs reach the broker: the buffer, its publisher, the parking of runs the broker will not take,
    /// and the sweep of stored pending runs. Call after the messaging is added: hosted services stop in reverse order, so
    /// the publisher then stops before the bus and can still drain.
    /// </summary>
    public static IServiceCollection AddRunPublishing(this IServiceCollection services)
    {
        services.AddSingleton<PendingRunStore>();
        services.AddSingleton<RunBuffer>();
        services.AddSingleton<IPublishBacklogSource>(sp => sp.GetRequiredService<RunBuffer>());
        services.AddSingleton<RunParking>();
        services.AddSingleton<PublishedRunCleanup>();
        services.AddSingleton<IDeadLetterStore, ParkedRunStore>();
        services.AddHostedService<RunPublisher>();
        services.AddHostedService<PendingRunSweep>();
        return services;
    }
}

using System.Globalization;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

public static class MessagingExtensions
{
    /// <summary>
    /// Configures MassTransit on RabbitMQ the one way every service uses: the <c>messaging</c> connection string,
    /// kebab-case queue names prefixed with the service's name (so two services consuming the same message
    /// get a queue each), in-memory retries on every endpoint, then the <c>_error</c> queue. Messages are written as
    /// compact JSON and read in one pass (<see cref="OnePassEnvelopeDeserializer"/>), leaving <paramref name="unread"/>
    /// out of what the consumers receive. Section <c>Messaging</c> (<see cref="MessagingOptions"/>): the nodes of a
    /// cluster, and quorum queues for every consumer queue but a replica's temporary one (<see cref="QuorumQueues"/>),
    /// checked at start against what the broker holds (<see cref="QuorumQueueCheck"/>).
    /// </summary>
    public static TBuilder AddMessaging<TBuilder>(
        this TBuilder builder, string serviceName, Action<IBusRegistrationConfigurator>? configure = null, UnreadMembers? unread = null)
        where TBuilder : IHostApplicationBuilder
    {
        var broker = builder.Configuration.GetBrokerUri();
        var options = MessagingOptions.From(builder.Configuration);
        var quorumQueues = new QuorumQueueNames();
        if (options.QuorumQueues)
        {
            // Registered before MassTransit's hosted service, so it runs before the bus starts.
            builder.Services.AddHostedService(provider => new QuorumQueueCheck(
                provider, quorumQueues, options, broker, provider.GetRequiredService<ILogger<QuorumQueueCheck>>()));
        }

        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, includeNamespace: false));
            configure?.Invoke(bus);

            bus.AddConfigureEndpointsCallback((_, queue, endpoint) =>
            {
                endpoint.UseRetryPolicies();
                if (options.QuorumQueues && endpoint is IRabbitMqReceiveEndpointConfigurator rabbit && !QuorumQueues.IsTemporary(endpoint))
                {
                    QuorumQueues.Use(rabbit, queue);
                    quorumQueues.Add(queue);
                }
            });

            bus.UsingRabbitMq((context, rabbit) =>
            {
                // User, password, port and virtual host all come from the URI; a cluster's nodes are tried in turn.
                rabbit.Host(broker, host =>
                {
                    if (options.Nodes() is { Count: > 0 } nodes)
                    {
                        host.UseCluster(cluster =>
                        {
                            foreach (var (name, port) in nodes)
                            {
                                cluster.Node($"{name}:{port.ToString(CultureInfo.InvariantCulture)}");
                            }
                        });
                    }
                });
                if (options.QuorumQueues)
                {
                    QuorumQueues.UseForDeadLetters(rabbit);
                }
                rabbit.UseMessageJson(unread);
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    /// <summary>
    /// How messages are written and read: compact JSON (MassTransit indents by default: a fifth more bytes for the broker
    /// to carry and every consumer to skip, for no reader), read in one pass, leaving <paramref name="unread"/> unread.
    /// </summary>
    public static void UseMessageJson(this IBusFactoryConfigurator bus, UnreadMembers? unread = null)
    {
        bus.UseCompactJson();
        bus.AddDeserializer(new OnePassEnvelopeDeserializer(unread ?? UnreadMembers.None), isDefault: true);
    }

    /// <summary>Messages written without indentation (MassTransit's options are the process's: every bus in it).</summary>
    public static void UseCompactJson(this IBusFactoryConfigurator bus) =>
        bus.ConfigureJsonSerializerOptions(options =>
        {
            options.WriteIndented = false;
            return options;
        });

    /// <summary>The broker's address: the <c>messaging</c> connection string, an amqp:// URI with user, password and virtual host.</summary>
    public static Uri GetBrokerUri(this IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ResourceNames.Messaging)
            ?? throw new InvalidOperationException(
                $"Connection string '{ResourceNames.Messaging}' is missing: run the service from the AppHost, "
                + $"or set ConnectionStrings__{ResourceNames.Messaging} to an amqp:// URI.");
        return new Uri(connectionString);
    }

    /// <summary>
    /// Two retry policies, one inside the other. An outage (database or broker away, see <see cref="TransientFailures"/>)
    /// is waited out for minutes with exponential backoff and never sends a healthy message to the error queue. Any
    /// other failure belongs to the message: a few quick tries, then <c>&lt;queue&gt;_error</c>, so it never holds up the
    /// messages behind it and can be re-driven once its cause is fixed.
    /// </summary>
    /// <remarks>
    /// Debian's RabbitMQ has no delayed-exchange plugin, so there is no delayed redelivery: both retry in memory. A kill
    /// switch or circuit breaker would stop the endpoint during an outage, but the messages that tripped it would still
    /// fault to the error queue; retrying only what is transient keeps them.
    /// </remarks>
    private static void UseRetryPolicies(this IReceiveEndpointConfigurator endpoint)
    {
        endpoint.UseMessageRetry(retry =>
        {
            retry.Intervals(100, 500, 1_000);
            retry.Ignore<Exception>(TransientFailures.IsTransient);
        });
        endpoint.UseMessageRetry(retry =>
        {
            // About 200 ms doubling to 10 s: some 7 minutes in all, well past a two-minute database restart.
            retry.Exponential(45, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(400));
            retry.Handle<Exception>(TransientFailures.IsTransient);
        });
    }
}

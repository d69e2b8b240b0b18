namespace ConnectorHealth.IntegrationTests.Infrastructure;

/// <summary>For tests that need RabbitMQ and PostgreSQL together (e.g. a buffer that falls back to the database).</summary>
[CollectionDefinition(Name)]
public sealed class BrokerAndDatabaseCollection : ICollectionFixture<RabbitMQServer>, ICollectionFixture<PostgresServer>
{
    public const string Name = "rabbitmq and postgres";
}

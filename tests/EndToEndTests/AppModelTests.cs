using Aspire.Hosting.Postgres;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.EndToEndTests;

/// <summary>The AppHost's model in the modes this machine cannot run: built, inspected, never started.</summary>
public sealed class AppModelTests
{
    private static readonly string[] Services = [ResourceNames.Runner, ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting];

    [Fact]
    public async Task ContainersModeUsesAspiresPostgresAndRabbitMQContainers()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--Infrastructure:Mode=containers"]);

        var postgres = Assert.IsType<PostgresServerResource>(Single(builder, ResourceNames.Postgres));
        var database = Assert.IsType<PostgresDatabaseResource>(Single(builder, ResourceNames.Database));
        Assert.Same(postgres, database.Parent);
        Assert.IsType<RabbitMQServerResource>(Single(builder, ResourceNames.Messaging));
        Assert.Empty(LocalProcesses(builder));

        AssertWiring(builder, ResourceNames.Database, ResourceNames.Messaging);
    }

    [Fact]
    public async Task ExternalModeTakesConnectionStringsFromConfiguration()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [
                "--Infrastructure:Mode=external",
                "--ConnectionStrings:connectorhealth=Host=db.example;Database=connectorhealth;Username=app;Password=x",
                "--ConnectionStrings:messaging=amqp://app:x@mq.example:5672/",
            ]);

        Assert.Empty(builder.Resources.OfType<ContainerResource>());
        Assert.Empty(LocalProcesses(builder));
        Assert.IsAssignableFrom<IResourceWithConnectionString>(Single(builder, ResourceNames.Database));
        Assert.IsAssignableFrom<IResourceWithConnectionString>(Single(builder, ResourceNames.Messaging));

        AssertWiring(builder, ResourceNames.Database, ResourceNames.Messaging);
    }

    /// <summary>Executables other than the helpers Aspire adds to each project (e.g. its rebuilder).</summary>
    private static IEnumerable<ExecutableResource> LocalProcesses(IDistributedApplicationTestingBuilder builder) =>
        builder.Resources.OfType<ExecutableResource>().Where(r => r is not IResourceWithParent { Parent: ProjectResource });

    private static IResource Single(IDistributedApplicationTestingBuilder builder, string name) =>
        Assert.Single(builder.Resources, r => r.Name == name);

    private static void AssertWiring(IDistributedApplicationTestingBuilder builder, string database, string messaging)
    {
        foreach (var service in Services)
        {
            var project = Assert.IsType<ProjectResource>(Single(builder, service));
            Assert.Contains(messaging, References(project));
            Assert.Contains(messaging, WaitsFor(project));
            Assert.Contains(database, References(project));
            Assert.Contains(project.Annotations.OfType<HealthCheckAnnotation>(), _ => true);
        }

        var gateway = Single(builder, ResourceNames.Gateway);
        Assert.Equal(Services.Order(), WaitsFor(gateway).Order());
        Assert.Equal([ResourceNames.Gateway], WaitsFor(Single(builder, ResourceNames.WebUi)));
    }

    private static List<string> References(IResource resource) =>
        resource.Annotations.OfType<ResourceRelationshipAnnotation>()
            .Where(r => r.Type == "Reference")
            .Select(r => r.Resource.Name)
            .ToList();

    private static List<string> WaitsFor(IResource resource) =>
        resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).ToList();
}

using ConnectorHealth.Metrics;
using ConnectorHealth.Metrics.Apis;
using ConnectorHealth.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddOperations(ResourceNames.Metrics);

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapOperations();
app.MapRunsApi();
app.MapKpisApi();
app.MapDatasetKpisApi();
app.MapLineageApi();

app.Run();

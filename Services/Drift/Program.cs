using ConnectorHealth.Drift;
using ConnectorHealth.Drift.Apis;
using ConnectorHealth.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddOperations(ResourceNames.Drift);

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapOperations();
app.MapSchemasApi();
app.MapDatasetsApi();
app.MapContractsApi();

app.Run();

using ConnectorHealth.Drift;
using ConnectorHealth.Drift.Apis;
using ConnectorHealth.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapSystemApi(ResourceNames.Drift);
app.MapSchemasApi();
app.MapContractsApi();

app.Run();

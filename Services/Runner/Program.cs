using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.Runner;
using ConnectorHealth.Runner.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddOperations(ResourceNames.Runner);

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapConnectorsApi();
app.MapRunReportsApi();
app.MapOperations();

app.Run();

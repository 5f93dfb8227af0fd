using Crm.Modules.Customers.Features.ImportCustomers;
using Crm.SharedKernel.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Customers.Tests.Features.ImportCustomers;

public sealed class ImportRestartTests
{
    [Test]
    public async Task An_import_left_running_by_a_stopped_server_is_reported_failed_after_a_restart()
    {
        var folder = Directory.CreateTempSubdirectory("crm-import-restart-").FullName;
        var database = Path.Combine(folder, "crm.db");
        var jobId = DocumentId.New();
        string adminPassword;
        try
        {
            await using (var before = new CrmHostFactory().WithSetting("Storage:Path", database))
            {
                adminPassword = before.AdminPassword;
                await using var session = before.Services.GetRequiredService<IDocumentStore>().OpenSession();
                session.Store(new CustomerImport
                {
                    Id = jobId,
                    Status = ImportStatus.Running,
                    Host = Environment.MachineName,
                    FileName = "big.csv",
                    RowsRead = 5000,
                    RowsInserted = 5000,
                    CreatedAt = DateTimeOffset.UtcNow,
                    StartedAt = DateTimeOffset.UtcNow,
                });
                await session.SaveChangesAsync();
            }

            // The admin was made by the first start; the second signs in with the same password.
            await using var after = new CrmHostFactory()
                .WithSetting("Storage:Path", database)
                .WithSetting("Auth:BootstrapAdmin:Password", adminPassword);
            using var client = after.CreateClient();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                using var response = await client.GetAsync($"/api/v1/customers/imports/{jobId}");
                var job = await response.ReadJsonAsync();
                if (job.GetProperty("status").GetString() == "failed")
                {
                    Assert.That(job.GetProperty("error").GetString(), Does.Contain("restarted"));
                    Assert.That(job.GetProperty("rowsStored").GetInt32(), Is.EqualTo(5000), "the rows stored before the restart are still counted");
                    Assert.That(job.TryGetProperty("finishedAt", out var finished) && finished.ValueKind != System.Text.Json.JsonValueKind.Null, Is.True);
                    break;
                }

                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the restarted server marks the job failed");
                await Task.Delay(50);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A file the engine still closes is left for the OS to clean; the folder is in temp.
            }
        }
    }
}

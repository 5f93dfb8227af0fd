using System.Diagnostics;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure;
using Crm.SharedKernel.Infrastructure.Sqlite;
using Crm.SharedKernel.Tests.CrashProbe;
using Microsoft.Extensions.DependencyInjection;

// Usage: dotnet Crm.SharedKernel.Tests.CrashProbe.dll <database file>
// Commits the crash scenario to the database, prints each committed event, then kills itself: no dispatcher has run,
// nothing is disposed or flushed.
if (args is not [var path])
{
    await Console.Error.WriteLineAsync("usage: Crm.SharedKernel.Tests.CrashProbe <database file>").ConfigureAwait(false);
    return 2;
}

var services = new ServiceCollection();
services.AddCrashScenario();
services.AddSqliteDocumentStore(new SqliteStoreOptions { Path = path });
var provider = services.BuildServiceProvider();
var store = provider.GetRequiredService<IDocumentStore>();

await CrashScenario.CommitAsync(store, TimeProvider.System, Console.Out.WriteLine, CancellationToken.None).ConfigureAwait(false);
Console.Out.WriteLine("committed");
Console.Out.Flush();

using var self = Process.GetCurrentProcess();
self.Kill();
return 1;

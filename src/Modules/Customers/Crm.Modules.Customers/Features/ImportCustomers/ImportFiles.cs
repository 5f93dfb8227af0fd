using Crm.Modules.Customers.Features.UpsertCustomers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Customers.Features.ImportCustomers;

/// <summary>
/// Where uploads and failure files live: <c>Customers:Imports:Folder</c>, relative to the data folder (the folder
/// of the SQLite file, <c>./data</c> by default). Names are job ids, never client-given names.
/// </summary>
internal sealed class ImportFiles
{
    public ImportFiles(IOptions<ImportOptions> options, IConfiguration configuration, IHostEnvironment environment)
    {
        var database = configuration["Storage:Path"] ?? "./data/crm.db";
        var dataFolder = Path.GetDirectoryName(Path.GetFullPath(Path.Combine(environment.ContentRootPath, database)))!;
        Folder = Path.GetFullPath(Path.Combine(dataFolder, options.Value.Folder));
    }

    public string Folder { get; }

    public string UploadOf(string jobId) => Path.Combine(EnsureFolder(), jobId + ".upload.csv");

    public string FailuresOf(string jobId) => Path.Combine(EnsureFolder(), jobId + ".failures.csv");

    private string EnsureFolder()
    {
        Directory.CreateDirectory(Folder);
        return Folder;
    }
}

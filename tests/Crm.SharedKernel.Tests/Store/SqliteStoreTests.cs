using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure;
using Crm.SharedKernel.Infrastructure.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Store;

/// <summary>What only the embedded engine promises: its file, schema upkeep, shutdown and SQL shape.</summary>
[TestFixture]
public sealed class SqliteStoreTests
{
    private string _folder = "";

    private string DatabasePath => Path.Combine(_folder, "nested", "crm.db");

    [SetUp]
    public void CreateFolder() => _folder = TempFolder.Create();

    [TearDown]
    public void DeleteFolder() => TempFolder.Delete(_folder);

    [Test]
    public async Task The_database_folder_is_created_and_the_file_is_in_wal_mode()
    {
        await using (var store = Open(DocumentStoreContract.CreateModel()))
        {
            await store.PingAsync();
        }

        Assert.That(File.Exists(DatabasePath), Is.True);
        Assert.That(Scalar("PRAGMA journal_mode"), Is.EqualTo("wal"));
    }

    [Test]
    public async Task Disposing_the_store_drains_commits_still_queued()
    {
        var store = Open(DocumentStoreContract.CreateModel());
        var commits = new List<Task>();
        for (var i = 0; i < 200; i++)
        {
            var session = store.OpenSession();
            session.Store(new ContractNote { Id = $"n{i:D3}", Text = "queued" });
            commits.Add(session.SaveChangesAsync());
        }

        await store.DisposeAsync();
        await Task.WhenAll(commits);

        await using var reopened = Open(DocumentStoreContract.CreateModel());
        await using var reader = reopened.OpenSession();
        Assert.That(await reader.Query<ContractNote>().CountAsync(), Is.EqualTo(200));
    }

    [Test]
    public async Task An_index_declared_later_is_added_to_the_existing_table_and_enforced()
    {
        await using (var first = Open(DocumentStoreContract.CreateModel()))
        await using (var session = first.OpenSession())
        {
            session.Store(new ContractNote { Id = "n1", CustomerId = "a", Text = "one" });
            await session.SaveChangesAsync();
        }

        var model = DocumentStoreContract.CreateModel();
        var services = new ServiceCollection();
        services.AddSingleton(model);
        services.AddDocumentCollection<ContractNote>("contract.notes", c => c.UniqueIndex(x => x.CustomerId));
        await using var second = Open(model);
        await using var clash = second.OpenSession();
        clash.Store(new ContractNote { Id = "n2", CustomerId = "a", Text = "two" });

        var conflict = await Assert.ThrowsAsync<DocumentConflictException>(async () => await clash.SaveChangesAsync());
        Assert.That(conflict!.Index, Is.EqualTo("customerId"));
    }

    [Test]
    public async Task A_file_whose_index_column_is_generated_by_sqlite_keeps_working()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        Rows(
            "CREATE TABLE \"contract.notes\" (id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, "
            + "\"ix_customerId\" GENERATED ALWAYS AS (json_extract(doc, '$.customerId')) VIRTUAL); "
            + "CREATE UNIQUE INDEX \"ux_contract_notes_customerId\" ON \"contract.notes\" (\"ix_customerId\");",
            new SqlParameters());
        var model = ModelOf<ContractNote>("contract.notes", c => c.UniqueIndex(x => x.CustomerId));

        await using var store = Open(model);
        await using (var session = store.OpenSession())
        {
            session.Store(new ContractNote { Id = "n1", CustomerId = "a" });
            session.Patch<ContractNote>("n1", p => p.Set(x => x.CustomerId, "b"));
            await session.SaveChangesAsync();
        }

        await using var clash = store.OpenSession();
        clash.Store(new ContractNote { Id = "n2", CustomerId = "b" });
        var conflict = await Assert.ThrowsAsync<DocumentConflictException>(async () => await clash.SaveChangesAsync());
        Assert.That(conflict!.Index, Is.EqualTo("customerId"));
        Assert.That(await clash.Query<ContractNote>().Where(x => x.CustomerId == "b").CountAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task An_index_on_an_array_costs_no_column_and_a_file_that_kept_one_drops_it()
    {
        // Earlier files kept the array's JSON text in an indexed column that no query could use.
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        Rows(
            "CREATE TABLE \"contract.customers\" (id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL, \"ix_tags\"); "
            + "CREATE INDEX \"ix_contract_customers_tags\" ON \"contract.customers\" (\"ix_tags\"); "
            + "INSERT INTO \"contract.customers\" VALUES ('c0', 1, '{\"id\":\"c0\",\"email\":\"old@example.com\",\"tags\":[\"vip\"]}', '[\"vip\"]');",
            new SqlParameters());
        var model = ModelOf<ContractCustomer>("contract.customers", c => c.Index(x => x.Tags));

        await using var store = Open(model);
        await using (var session = store.OpenSession())
        {
            session.Store(new ContractCustomer { Id = "c1", Email = "new@example.com", Tags = ["vip", "new"] });
            session.Store(new ContractCustomer { Id = "c2", Email = "other@example.com", Tags = ["new"] });
            await session.SaveChangesAsync();
        }

        Assert.That(Rows("SELECT name FROM pragma_table_xinfo('contract.customers')", new SqlParameters()), Is.EqualTo(new[] { "id", "version", "doc" }));
        Assert.That(Rows("SELECT name FROM pragma_index_list('contract.customers') WHERE origin = 'c'", new SqlParameters()), Is.Empty);
        await using var reader = store.OpenSession();
        var vip = await reader.Query<ContractCustomer>().Where(x => x.Tags.Contains("vip")).ToListAsync();
        Assert.That(vip.Select(c => c.Id).Order(), Is.EqualTo(new[] { "c0", "c1" }));
    }

    [Test]
    public async Task A_unique_index_no_longer_declared_stops_refusing_writes()
    {
        var unique = ModelOf<ContractNote>("contract.notes", c => c.UniqueIndex(x => x.CustomerId));
        await using (var first = Open(unique))
        await using (var session = first.OpenSession())
        {
            session.Store(new ContractNote { Id = "n1", CustomerId = "a" });
            await session.SaveChangesAsync();
        }

        await using var second = Open(DocumentStoreContract.CreateModel());
        await using var again = second.OpenSession();
        again.Store(new ContractNote { Id = "n2", CustomerId = "a" });
        await again.SaveChangesAsync();

        Assert.That(await again.Query<ContractNote>().Where(x => x.CustomerId == "a").CountAsync(), Is.EqualTo(2));
    }

    [Test]
    public async Task Ordering_comparisons_on_an_enum_field_are_rejected_because_names_do_not_sort_as_values()
    {
        await using var store = Open(DocumentStoreContract.CreateModel());
        await using var session = store.OpenSession();

        var exception = await Assert.ThrowsAsync<UnsupportedQueryException>(
            async () => await session.Query<ContractCustomer>().Where(x => x.Tier > ContractTier.Bronze).ToListAsync());

        Assert.That(exception!.Message, Does.Contain("enum"));
    }

    [Test]
    public async Task Queries_on_a_declared_index_use_its_column_and_bind_values()
    {
        await using var store = Open(DocumentStoreContract.CreateModel());
        var query = (SqliteQuery<ContractCustomer>)store.OpenSession().Query<ContractCustomer>()
            .Where(x => x.Email == "a'b@example.com" && x.Attributes["tier"] == "vip")
            .OrderBy(x => x.Age);
        var parameters = new SqlParameters();

        var sql = query.ToSql(parameters);
        var plan = string.Join("\n", Rows("EXPLAIN QUERY PLAN " + sql, parameters));

        Assert.That(sql, Does.Contain("\"ix_email\"").And.Contain("\"ix_attributes_tier\"").And.Not.Contain("a'b"));
        Assert.That(plan, Does.Contain("ux_contract_customers_email"));
    }

    [Test]
    public async Task An_array_contains_over_a_span_tells_the_caller_what_to_write()
    {
        await using var store = Open(DocumentStoreContract.CreateModel());
        await using var session = store.OpenSession();
        var names = ContractPredicates.Names;

        var exception = await Assert.ThrowsAsync<UnsupportedQueryException>(
            async () => await session.Query<ContractCustomer>().Where(x => names.Contains(x.Name)).ToListAsync());

        Assert.That(exception!.Message, Does.Contain("MemoryExtensions.Contains").And.Contain("Enumerable.Contains").And.Contain("List"));
    }

    [Test]
    public async Task A_write_lock_held_elsewhere_makes_commits_unavailable_until_it_is_released()
    {
        await using var store = new SqliteDocumentStore(
            DocumentStoreContract.CreateModel(),
            new SqliteStoreOptions { Path = DatabasePath, BusyTimeout = TimeSpan.FromMilliseconds(200) });
        using var other = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        other.Open();
        using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
        }

        await using (var blocked = store.OpenSession())
        {
            blocked.Store(new ContractNote { Id = "n1" });
            await Assert.ThrowsAsync<StoreUnavailableException>(async () => await blocked.SaveChangesAsync());
        }

        using (var rollback = other.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }

        await using var retry = store.OpenSession();
        retry.Store(new ContractNote { Id = "n1" });
        await retry.SaveChangesAsync();
        Assert.That(await retry.LoadAsync<ContractNote>("n1"), Is.Not.Null);
    }

    [Test]
    public void A_database_path_that_cannot_be_opened_makes_the_store_unavailable()
    {
        Directory.CreateDirectory(DatabasePath);

        Assert.Throws<StoreUnavailableException>(() => Open(DocumentStoreContract.CreateModel()));
    }

    [Test]
    public async Task Add_document_store_picks_sqlite_at_the_configured_path()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:Path"] = DatabasePath })
            .Build();
        var services = new ServiceCollection();

        // The host registers the store before the modules declare their collections; both orders must work.
        services.AddDocumentCollection<ContractNote>("contract.notes");
        services.AddDocumentStore(configuration);
        services.AddDocumentCollection<ContractCustomer>("contract.customers");

        await using (var provider = services.BuildServiceProvider())
        {
            var store = provider.GetRequiredService<IDocumentStore>();
            await store.PingAsync();
            Assert.That(store, Is.TypeOf<SqliteDocumentStore>());

            await using var session = store.OpenSession();
            session.Store(new ContractNote { Id = "n1", CustomerId = "c1", Text = "declared before the store" });
            session.Store(new ContractCustomer { Id = "c1", Email = "c1@example.com" });
            await session.SaveChangesAsync();
            Assert.That(await session.LoadAsync<ContractCustomer>("c1"), Is.Not.Null);
        }

        Assert.That(File.Exists(DatabasePath), Is.True);
    }

    [Test]
    public async Task Max_sets_a_null_or_missing_field_even_to_a_value_below_its_type_default()
    {
        await using var store = Open(DocumentStoreContract.CreateModel());
        await using (var writer = store.OpenSession())
        {
            writer.Store(new ContractCustomer { Id = "c1", Email = "c1@example.com", Score = null });
            await writer.SaveChangesAsync();
        }

        await using (var patcher = store.OpenSession())
        {
            // As MongoDB's $max: a null or missing value is smaller than any number, negative ones included.
            patcher.Patch<ContractCustomer>("c1", p => p.Max(x => x.Score!.Value, -1.5));
            await patcher.SaveChangesAsync();
        }

        await using var reader = store.OpenSession();
        Assert.That((await reader.LoadAsync<ContractCustomer>("c1"))!.Score, Is.EqualTo(-1.5));
    }

    [Test]
    public void Prefix_successor_bounds_exactly_the_strings_with_that_prefix()
    {
        Assert.That(SqlTranslator.Successor("Ab"), Is.EqualTo("Ac"));
        Assert.That(SqlTranslator.Successor("a\uD7FF"), Is.EqualTo("a\uE000"));
        Assert.That(SqlTranslator.Successor("x\U0010FFFF"), Is.EqualTo("y"));
        Assert.That(SqlTranslator.Successor("\U0010FFFF"), Is.Null);
    }

    /// <summary>A model of the one collection <paramref name="name"/>, declared as a module would.</summary>
    private static DocumentModel ModelOf<T>(string name, Action<DocumentCollectionBuilder<T>> configure)
        where T : class, IDocument
    {
        var services = new ServiceCollection();
        services.AddDocumentCollection(name, configure);
        return (DocumentModel)services.Single(d => d.ServiceType == typeof(DocumentModel)).ImplementationInstance!;
    }

    private SqliteDocumentStore Open(DocumentModel model) => new(model, new SqliteStoreOptions { Path = DatabasePath });

    private object? Scalar(string sql) => Rows(sql, new SqlParameters()).FirstOrDefault();

    private List<string> Rows(string sql, SqlParameters parameters)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        parameters.BindTo(command);
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i)?.ToString())));
        }

        return rows;
    }
}

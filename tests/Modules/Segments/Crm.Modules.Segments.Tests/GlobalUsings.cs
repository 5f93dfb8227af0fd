global using Crm.Testing;
global using NUnit.Framework;

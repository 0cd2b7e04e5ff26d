// Drives a running floecat server with iceberg-js: lists namespaces and
// loads one table with vended credentials, then prints what it saw as JSON
// for the Python test to check.
//
// Usage: node iceberg_check.mjs <server url> <account> <namespace.levels> <table>
// The bearer token comes from FLOECAT_TOKEN.
import { IcebergRestCatalog } from 'iceberg-js'

const [serverUrl, account, namespaceText, table] = process.argv.slice(2)
if (!serverUrl || !account || !namespaceText || !table) {
  console.error('usage: node iceberg_check.mjs <server url> <account> <namespace> <table>')
  process.exit(2)
}
const namespace = namespaceText.split('.')

const catalog = new IcebergRestCatalog({
  baseUrl: `${serverUrl}/iceberg`,
  warehouse: account,
  auth: { type: 'bearer', token: process.env.FLOECAT_TOKEN },
  accessDelegation: ['vended-credentials'],
})

const config = await catalog.loadConfig()
const top = await catalog.listNamespaces()
const children = await catalog.listNamespaces({ parent: { namespace: [namespace[0]] } })
const tables = await catalog.listTables({ namespace })
const loaded = await catalog.loadTableResult({ namespace, name: table })

console.log(
  JSON.stringify({
    config,
    namespaces: top.namespaces.map((entry) => entry.namespace),
    children: children.namespaces.map((entry) => entry.namespace),
    tables: tables.identifiers.map((entry) => entry.name),
    metadataLocation: loaded['metadata-location'],
    tableUuid: loaded.metadata['table-uuid'],
    storageCredentials: loaded['storage-credentials'],
    refreshEndpoint: loaded.config?.['client.refresh-credentials-endpoint'],
  }),
)

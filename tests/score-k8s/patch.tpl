{{/* A score-k8s patch template: replicas and an annotation on every Deployment. */}}
{{ range $i, $m := .Manifests }}
{{ if eq $m.kind "Deployment" }}
- op: set
  path: {{ $i }}.metadata.annotations.compat\.example/patched
  value: "yes"
- op: delete
  path: {{ $i }}.spec.replicas
  description: the HPA owns replicas
{{ end }}
{{ end }}
- op: set
  path: -1
  value:
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: shop
    spec:
      minAvailable: 1
      selector:
        matchLabels:
          app.kubernetes.io/name: shop

{{/*
The app.kubernetes.io/version label of an image reference: its tag, else "sha256-" and the
first 12 digits of its digest (as alp-deploy's versionLabel computes it).
*/}}
{{- define "alp.versionLabel" -}}
{{- $name := first (splitList "@" .) -}}
{{- $last := last (splitList "/" $name) -}}
{{- if contains ":" $last -}}
{{- last (splitList ":" $last) | trunc 63 -}}
{{- else -}}
{{- printf "sha256-%s" (last (splitList "@sha256:" .) | trunc 12) -}}
{{- end -}}
{{- end -}}

{{/*
A service's HPA minReplicas, from (list .Values.autoscaling "<service>"); fails when it exceeds
the service's maxReplicas (JSON Schema cannot compare two values, so the schema checks each alone).
*/}}
{{- define "alp.minReplicas" -}}
{{- $service := index . 1 -}}
{{- $range := index (index . 0) $service -}}
{{- if gt (int $range.minReplicas) (int $range.maxReplicas) -}}
{{- fail (printf "autoscaling.%s.minReplicas (%d) must not exceed autoscaling.%s.maxReplicas (%d); lower minReplicas or raise maxReplicas" $service (int $range.minReplicas) $service (int $range.maxReplicas)) -}}
{{- end -}}
{{- $range.minReplicas -}}
{{- end -}}

output "main_public_ip" {
  description = "Public IPv4 address of the main droplet (ssh root@...; the A record of domain points here)."
  value       = digitalocean_droplet.main.ipv4_address
}

output "main_private_ip" {
  description = "Address of the main droplet in the VPC: PostgreSQL, Redis and the registry for the workers."
  value       = digitalocean_droplet.main.ipv4_address_private
}

output "registry" {
  description = "The player image registry (ARENA_REGISTRY on every machine)."
  value       = "${digitalocean_droplet.main.ipv4_address_private}:5000"
}

output "worker_public_ips" {
  description = "Public IPv4 addresses of the fixed pool's worker droplets (SSH only); empty with the autoscale pool, whose droplets come and go: list them with doctl (worker_tag)."
  value       = digitalocean_droplet.worker[*].ipv4_address
}

output "worker_private_ips" {
  description = "Addresses of the fixed pool's worker droplets in the VPC; empty with the autoscale pool."
  value       = digitalocean_droplet.worker[*].ipv4_address_private
}

output "worker_tag" {
  description = "The tag of every worker droplet, of either pool: `doctl compute droplet list --tag-name <tag>` lists them as they are now."
  value       = digitalocean_tag.worker.id
}

output "worker_pool_id" {
  description = "ID of the autoscale pool of workers (null with the fixed pool): `doctl compute droplet-autoscale list-members <id>`."
  value       = one(digitalocean_droplet_autoscale.worker[*].id)
}

output "worker_pool_name" {
  description = "Name of the autoscale pool of workers in the control panel (Droplets > Autoscale Pools); null with the fixed pool."
  value       = one(digitalocean_droplet_autoscale.worker[*].name)
}

output "vpc_ip_range" {
  description = "The VPC's range: the only source allowed to reach PostgreSQL, Redis and the registry."
  value       = digitalocean_vpc.arena.ip_range
}

output "site_url" {
  description = "Where the arena answers once cloud-init has finished (a few minutes after apply)."
  value       = var.domain != "" ? "https://${var.domain}" : "http://${digitalocean_droplet.main.ipv4_address}"
}
